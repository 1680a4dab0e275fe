import { FeatureError } from './errors';
import { FEATURE_NAMES, isFeatureName, type FeatureMatrix, type FeatureName } from './featureSet';
import type { BarRange } from './splits';

/** Per-feature z-score statistics fitted on the training split; JSON-serialisable, saved with models. */
export interface Scaler {
  version: 1;
  names: FeatureName[];
  mean: number[];
  /** Population std; 1 where the training std was 0 (a constant feature is then just centred). */
  std: number[];
  /** Scaled values are clipped to ±clip. */
  clip: number;
}

/**
 * Mean and population std per feature from rows in `range` (end exclusive) at or after the warm-up,
 * skipping non-finite values. Two passes in float64 so long ranges do not lose precision.
 */
export function fitScaler(m: FeatureMatrix, range: BarRange, clip = 5): Scaler {
  if (!(Number.isFinite(clip) && clip > 0)) {
    throw new FeatureError('invalid-scaler', `Scaler clip ${clip} is not a positive number.`, 'Use a clip such as 5.', 'clip');
  }
  const start = Math.max(range.start, m.warmup, 0);
  const end = Math.min(range.end, m.rows);
  if (end <= start) {
    throw new FeatureError(
      'empty-range',
      `No feature rows to fit the scaler on: range [${range.start}, ${range.end}) has no rows at or after warm-up row ${m.warmup}.`,
      'Use a larger file or a training split that starts after the warm-up.',
    );
  }
  const { cols, values } = m;
  const sum = new Float64Array(cols);
  const count = new Float64Array(cols);
  for (let t = start; t < end; t++) {
    for (let c = 0, i = t * cols; c < cols; c++, i++) {
      const x = values[i];
      if (Number.isFinite(x)) {
        sum[c] += x;
        count[c]++;
      }
    }
  }
  const mean = new Float64Array(cols);
  for (let c = 0; c < cols; c++) mean[c] = count[c] > 0 ? sum[c] / count[c] : 0;
  const sq = new Float64Array(cols);
  for (let t = start; t < end; t++) {
    for (let c = 0, i = t * cols; c < cols; c++, i++) {
      const x = values[i];
      if (Number.isFinite(x)) sq[c] += (x - mean[c]) ** 2;
    }
  }
  const std: number[] = [];
  for (let c = 0; c < cols; c++) {
    const s = count[c] > 0 ? Math.sqrt(sq[c] / count[c]) : 0;
    std.push(s > 0 ? s : 1);
  }
  return { version: 1, names: [...m.names], mean: Array.from(mean), std, clip };
}

/** New row-major array: (x − mean)/std clipped to ±clip; NaN (warm-up rows) → 0. */
export function applyScaler(m: FeatureMatrix, s: Scaler): Float32Array {
  if (s.names.length !== m.cols || s.names.some((name, c) => name !== m.names[c])) {
    throw new FeatureError(
      'scaler-mismatch',
      `The scaler was fitted on features [${s.names.join(', ')}] but the data has [${m.names.join(', ')}].`,
      'Compute the same features, in the same order, as the model was trained on.',
    );
  }
  const { cols, values } = m;
  const out = new Float32Array(values.length);
  const clip = s.clip;
  for (let i = 0, c = 0; i < values.length; i++) {
    const z = (values[i] - s.mean[c]) / s.std[c];
    out[i] = Number.isNaN(z) ? 0 : z > clip ? clip : z < -clip ? -clip : z;
    if (++c === cols) c = 0;
  }
  return out;
}

/** Validates a parsed JSON value as a Scaler (it travels inside saved model files). Throws FeatureError. */
export function scalerFromJson(json: unknown): Scaler {
  const fail = (field: string, problem: string): never => {
    throw new FeatureError(
      'invalid-scaler',
      `Invalid scaler: ${problem}`,
      'The model file is damaged or was written by another program; retrain or re-export the model.',
      field,
    );
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('scaler', 'expected an object.');
  const o = json as Record<string, unknown>;
  if (o.version !== 1) fail('version', `version must be 1, got ${JSON.stringify(o.version)}.`);
  if (!Array.isArray(o.names) || o.names.length === 0) fail('names', 'names must be a non-empty array of feature names.');
  const names = o.names as unknown[];
  names.forEach((name, i) => {
    if (!isFeatureName(name)) fail(`names[${i}]`, `names[${i}] is ${JSON.stringify(name)}, not one of ${FEATURE_NAMES.join(', ')}.`);
  });
  if (new Set(names).size !== names.length) fail('names', 'names lists a feature twice.');
  const numbers = (field: 'mean' | 'std', positive: boolean): number[] => {
    const value = o[field];
    if (!Array.isArray(value)) return fail(field, `${field} must be an array of numbers.`);
    if (value.length !== names.length) fail(field, `${field} has ${value.length} entries but names has ${names.length}.`);
    value.forEach((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x))
        fail(`${field}[${i}]`, `${field}[${i}] is ${JSON.stringify(x)}, not a finite number.`);
      else if (positive && x <= 0) fail(`${field}[${i}]`, `${field}[${i}] is ${x}; a std must be positive.`);
    });
    return [...(value as number[])];
  };
  const mean = numbers('mean', false);
  const std = numbers('std', true);
  if (typeof o.clip !== 'number' || !Number.isFinite(o.clip) || o.clip <= 0)
    fail('clip', `clip must be a positive number, got ${JSON.stringify(o.clip)}.`);
  return { version: 1, names: [...(names as FeatureName[])], mean, std, clip: o.clip as number };
}
