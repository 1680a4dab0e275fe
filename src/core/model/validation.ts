import type * as tf from '@tensorflow/tfjs';
import { MAX_LOOKBACK } from '../env/config';
import { REGIME_CONTEXT_NAMES } from '../env/prepare';
import { ACCOUNT_FEATURES, actionCount, SIZED_ACTION_NAMES } from '../env/tradingEnv';
import { accountFeatures, REGIME_LABEL_COUNT, stateSize as stateSizeOf } from '../env/observation';
import { FEATURE_NAMES } from '../features/featureSet';
import { FeatureError } from '../features/errors';
import { scalerFromJson, type Scaler } from '../features/scaler';
import { checkTrainingConfig, NETWORK_LIMITS, type TrainingConfig, type Variant } from '../ppo/config';
import type { ObservationSpec } from '../ppo/network';
import { networkWeightShapes } from '../ppo/weightShapes';
import { base64ToBytes } from './base64';
import { BundleError } from './errors';

// Everything here runs before any tensor or network exists, and allocates at most a few times the
// file's own size: no number read from a file decides how much memory or time the import takes.

/** What to do about a damaged file; ends most messages. */
export const REEXPORT = 'The file is damaged or was not written by PPO Trading Lab; export the model again.';

/**
 * Largest |value| accepted for a weight or an Adam first moment. Networks start orthogonal (|w| ≤ √2)
 * and Adam moves a weight by about the learning rate per step at most (≤ 1, default 3e-4), so trained
 * weights stay orders of magnitude below 1e6. At 1e6 a layer over the widest input (14,343 values
 * clipped to ±1000) still sums to ~1e13, far from float32's overflow at 3.4e38 where NaN predictions
 * start; a weight of 1e38 overflows at once.
 */
export const MAX_WEIGHT_MAGNITUDE = 1e6;

/** Scaled inputs are clipped to ±clip; the app writes 5, and far larger values only feed overflow. */
export const MAX_SCALER_CLIP = 1000;

/** A saved model nests 10 levels deep (in its Layers topology); 64 leaves room without any recursion risk. */
export const MAX_JSON_DEPTH = 64;

/** Longest text fields, each named in the error that enforces it. */
export const STRING_LIMITS = {
  name: 200,
  createdAt: 40,
  fileName: 255,
  column: 1000,
  columns: 10_000,
  label: 64,
  weightName: 200,
} as const;

/**
 * Longest string the raw scan lets through outside "weightData": the schema's own per-field limits
 * (STRING_LIMITS) are far lower and name the field; this one stops huge text before it is parsed.
 */
const MAX_TEXT_CHARS = 10_000;

/** A network's Layers topology is a few kilobytes of JSON; a megabyte is ample. */
export const MAX_TOPOLOGY_CHARS = 1_000_000;

/** Everything but the weights: config, scaler, metrics, topology and the short strings. */
const METADATA_ALLOWANCE = 4_000_000;

/** V8 (Chrome, Node) strings hold at most 2^29 − 24 characters: longer text can be neither written nor read. */
const JS_STRING_LIMIT = 2 ** 29 - 24;

/** The widest observation a config allows: the longest window over every feature, plus regime inputs. */
/** Account values (with the position size), Enhanced regime inputs, the RL v3 regime one-hot. */
export const MAX_STATE_SIZE = ACCOUNT_FEATURES.length + 1 + REGIME_CONTEXT_NAMES.length + REGIME_LABEL_COUNT;

const LARGEST_SPEC: ObservationSpec = {
  lookback: MAX_LOOKBACK,
  featureCount: FEATURE_NAMES.length,
  stateSize: MAX_STATE_SIZE,
  numActions: SIZED_ACTION_NAMES.length,
};

function largestNetworkParameters(): number {
  const widest = {
    hidden: Array<number>(NETWORK_LIMITS.hiddenLayers).fill(NETWORK_LIMITS.hiddenUnits),
    activation: 'tanh',
    attentionLayers: NETWORK_LIMITS.attentionLayers,
    attentionHeads: NETWORK_LIMITS.attentionHeads,
    modelDim: NETWORK_LIMITS.modelDim,
    critic: 'quantile',
    quantiles: NETWORK_LIMITS.quantiles,
    dropout: 0,
  } as const;
  return Math.max(
    ...(['mlp', 'attention'] as const).map((encoder) => parameterCount(networkWeightShapes(LARGEST_SPEC, { ...widest, encoder }))),
  );
}

/**
 * The longest model file accepted, in characters (and bytes: the file is ASCII but for a few short
 * names). The largest network the config limits allow (an MLP over 1,024 × 14 inputs with 8 × 4,096
 * units, ~176 M parameters) would take its weights and Adam's two moments in base64, ~2.8 G
 * characters — more than a JavaScript string holds, so the engine's limit is the binding one.
 */
export const MAX_BUNDLE_CHARS = Math.min(3 * base64Length(4 * largestNetworkParameters()) + METADATA_ALLOWANCE, JS_STRING_LIMIT);

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

export function parameterCount(shapes: [string, number[]][]): number {
  return shapes.reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/** Refuses text too long for a model file before anything else reads it. */
export function checkFileSize(chars: number, what = 'The model file'): void {
  if (chars > MAX_BUNDLE_CHARS) {
    throw new BundleError(
      `${what} is ${megabytes(chars)}; the largest model this app can write is ${megabytes(MAX_BUNDLE_CHARS)}. ${REEXPORT}`,
      'file',
    );
  }
}

/** A file name as messages show it: a long one is cut, so the error stays readable. */
export function shortFileName(name: string): string {
  return name.length > 120 ? `${name.slice(0, 100)}…${name.slice(-19)}` : name;
}

function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;
}

/**
 * Scans the raw text before JSON.parse sees it. Nesting deeper than MAX_JSON_DEPTH is refused, since
 * parsing, validating and re-serialising a 200,000-deep array would each recurse that deep; so is a
 * string value longer than MAX_TEXT_CHARS anywhere but under "weightData", naming the key it sits
 * under, so a 200 MB "createdAt" costs one scan rather than a parse. Strings are skipped with
 * indexOf: a multi-megabyte weightData costs one native search.
 */
export function checkRawText(text: string): void {
  let depth = 0;
  let key = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = closingQuote(text, i);
      const length = end - i - 1;
      let next = end + 1;
      while (next < text.length && text.charCodeAt(next) <= 0x20) next++;
      const isKey = text.charCodeAt(next) === 0x3a;
      if (length > MAX_TEXT_CHARS && (isKey || key !== 'weightData')) {
        const what = isKey ? 'has a field name' : key ? `has a "${key}" field` : 'is a text';
        throw new BundleError(
          `The model file ${what} ${length.toLocaleString('en-US')} characters long; text fields hold at most ${MAX_TEXT_CHARS.toLocaleString('en-US')}. ${REEXPORT}`,
          isKey || !key ? 'file' : key,
        );
      }
      if (isKey) key = text.slice(i + 1, end);
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new BundleError(
          `The model file nests its data more than ${MAX_JSON_DEPTH} levels deep (at character ${i}); a model file needs 10. ${REEXPORT}`,
          'file',
        );
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/** Index of the quote closing the string opened at `open`, or the end of the text when it is never closed. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}

/** checkTrainingConfig's cross-field rules (divisible heads, minibatch ≤ rollout, splits sum to 1) on import. */
export function checkConfig(config: TrainingConfig): void {
  const { errors } = checkTrainingConfig(config);
  const [field, message] = Object.entries(errors)[0] ?? [];
  if (field !== undefined) {
    throw new BundleError(`The model file's config is invalid at "config.${field}": ${message}. ${REEXPORT}`, `config.${field}`);
  }
}

/** The scaler through the features module's strict validator (std > 0, known names), clip bounded. */
export function checkScaler(json: unknown): Scaler {
  let scaler: Scaler;
  try {
    scaler = scalerFromJson(json);
  } catch (error) {
    if (!(error instanceof FeatureError)) throw error;
    const field = error.field && error.field !== 'scaler' ? `scaler.${error.field}` : 'scaler';
    throw new BundleError(`The model file is invalid at "${field}": ${error.message.replace(/^Invalid scaler: /, '')}`, field);
  }
  const extra = Object.keys(json as object).find((key) => !['version', 'names', 'mean', 'std', 'clip'].includes(key));
  if (extra !== undefined)
    throw new BundleError(`The model file is invalid at "scaler.${extra}": unknown field. ${REEXPORT}`, `scaler.${extra}`);
  if (scaler.clip > MAX_SCALER_CLIP) {
    throw new BundleError(
      `The model file is invalid at "scaler.clip": ${scaler.clip} is above ${MAX_SCALER_CLIP} (the app writes 5). ${REEXPORT}`,
      'scaler.clip',
    );
  }
  return scaler;
}

interface ObservationFields extends ObservationSpec {
  featureNames: string[];
  contextNames: string[];
}

/**
 * The observation agrees with the config, the feature list, the scaler and the variant: Enhanced
 * models carry regime thresholds and the four regime inputs, the others neither.
 */
export function checkObservation(variant: Variant, config: TrainingConfig, o: ObservationFields, scaler: Scaler, regimes: unknown): void {
  const fail = (field: string, problem: string): never => {
    throw new BundleError(`The model file is invalid at "${field}": ${problem} ${REEXPORT}`, field);
  };
  if (config.variant !== variant) fail('config.variant', `the config says "${config.variant}" but the file says "${variant}".`);
  if (o.lookback !== config.env.lookback)
    fail('observation.lookback', `the lookback (${o.lookback}) differs from the config's (${config.env.lookback}).`);
  if (o.featureNames.length !== o.featureCount) {
    fail('observation.featureCount', `it lists ${o.featureNames.length} feature names but says it has ${o.featureCount} features.`);
  }
  if (new Set(o.featureNames).size !== o.featureNames.length) fail('observation.featureNames', 'a feature is listed twice.');
  if (scaler.names.join() !== o.featureNames.join()) {
    fail('scaler.names', `the scaler covers [${scaler.names.join(', ')}] but the model observes [${o.featureNames.join(', ')}].`);
  }
  const enhanced = variant === 'enhanced-maskable';
  const aModel = { standard: 'a Standard model', maskable: 'a Maskable model', 'enhanced-maskable': 'an Enhanced model' }[variant];
  const wantContext = enhanced ? REGIME_CONTEXT_NAMES : [];
  if (enhanced && regimes === null) fail('regimes', 'an Enhanced model needs its regime thresholds, and this file has none.');
  if (!enhanced && regimes !== null) fail('regimes', `${aModel} has no regime inputs, but the file carries regime thresholds.`);
  if (o.contextNames.join() !== wantContext.join()) {
    fail('observation.contextNames', `${aModel} has the context inputs [${wantContext.join(', ')}], not [${o.contextNames.join(', ')}].`);
  }
  const stateSize = stateSizeOf(config.env, wantContext.length);
  if (o.stateSize !== stateSize) {
    const labels = config.env.regimeLabels ? ` + ${REGIME_LABEL_COUNT} regime labels` : '';
    fail(
      'observation.stateSize',
      `${aModel} has ${stateSize} state inputs (${accountFeatures(config.env).length} account values + ${wantContext.length} regime inputs${labels}), not ${o.stateSize}.`,
    );
  }
  const numActions = actionCount(config.env.actionSet);
  if (o.numActions !== numActions) {
    fail('observation.numActions', `the ${config.env.actionSet} action set has ${numActions} actions, not ${o.numActions}.`);
  }
}

/** The weight list a bundle's config describes, derived without tfjs. */
export function expectedWeights(o: ObservationSpec, config: TrainingConfig): [string, number[]][] {
  return networkWeightShapes(
    { lookback: o.lookback, featureCount: o.featureCount, stateSize: o.stateSize, numActions: o.numActions },
    config.network,
  );
}

/** Adam's moments in the order createBundle writes them: m and v of each parameter in turn. */
export function expectedMoments(weights: [string, number[]][]): [string, number[]][] {
  return weights.flatMap(([name, shape]): [string, number[]][] => [
    [`m/${name}`, shape],
    [`v/${name}`, shape],
  ]);
}

/** The manifest names exactly the expected weights, in order, with their shapes, as plain float32. */
export function checkManifest(specs: tf.io.WeightsManifestEntry[], expected: [string, number[]][], field: string): void {
  for (let i = 0; i < Math.max(specs.length, expected.length); i++) {
    const spec = specs[i];
    const want = expected[i];
    if (!spec) throw new BundleError(`The model file has no weights for layer ${want[0]} in ${field}. ${REEXPORT}`, field);
    if (!want) {
      throw new BundleError(
        `The model file lists ${specs.length} weights in ${field}; the network described by its config has ${expected.length} (${spec.name} is extra). ${REEXPORT}`,
        field,
      );
    }
    if (spec.name !== want[0]) {
      const missing = specs.some((s) => s.name === want[0]) ? `${want[0]} is out of order` : `no weights for layer ${want[0]}`;
      throw new BundleError(`The model file has ${missing} in ${field} (found ${spec.name} where ${want[0]} belongs). ${REEXPORT}`, field);
    }
    const got = spec.shape.join('×');
    if (got !== want[1].join('×')) {
      throw new BundleError(
        `Weights ${spec.name} have shape ${got}; the network described by the file needs ${want[1].join('×')}. ${REEXPORT}`,
        field,
      );
    }
    if (spec.dtype !== 'float32' || spec.quantization) {
      throw new BundleError(
        `The model file holds ${spec.name} as ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 is supported. ${REEXPORT}`,
        field,
      );
    }
  }
}

/** Inclusive range a value of a weight buffer must fall in. */
type ValueRange = (name: string) => [number, number];

export const weightRange: ValueRange = () => [-MAX_WEIGHT_MAGNITUDE, MAX_WEIGHT_MAGNITUDE];

/** Adam's first moment is an average of gradients, its second of squared gradients: never negative. */
export const momentRange: ValueRange = (name) =>
  name.startsWith('v/') ? [0, MAX_WEIGHT_MAGNITUDE ** 2] : [-MAX_WEIGHT_MAGNITUDE, MAX_WEIGHT_MAGNITUDE];

/**
 * Decodes base64 float32 data laid out as `expected` says (checked with checkManifest) into one
 * array per name; the length is checked before decoding and every value against `range`.
 */
export function decodeWeights(data: string, expected: [string, number[]][], field: string, range: ValueRange): Map<string, Float32Array> {
  const expectedBytes = 4 * parameterCount(expected);
  if (data.length !== base64Length(expectedBytes)) {
    const actualBytes = Math.floor((data.length * 3) / 4) - (data.match(/=*$/)?.[0].length ?? 0);
    throw new BundleError(
      `The model file's weights (${field}) are ${actualBytes} bytes but its manifest needs ${expectedBytes}: the file is truncated or was altered. Export the model again.`,
      field,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data);
  } catch (error) {
    throw new BundleError(`The model file's ${field} is damaged: ${(error as Error).message}. ${REEXPORT}`, field);
  }
  if (bytes.byteLength !== expectedBytes) {
    throw new BundleError(
      `The model file's ${field} is damaged: it decodes to ${bytes.byteLength} bytes, not ${expectedBytes}. ${REEXPORT}`,
      field,
    );
  }
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const [name, shape] of expected) {
    const size = shape.reduce((a, b) => a * b, 1);
    // base64ToBytes returns a fresh buffer and every size is whole float32s, so each view is aligned.
    const values = new Float32Array(bytes.buffer, bytes.byteOffset + offset, size);
    const [low, high] = range(name);
    for (let i = 0; i < size; i++) {
      const x = values[i];
      if (!(x >= low && x <= high)) {
        throw new BundleError(
          `The model file's ${field} holds ${x} in ${name} (value ${i}); weights must be finite and within [${low}, ${high}]. ${REEXPORT}`,
          field,
        );
      }
    }
    out.set(name, values);
    offset += size * 4;
  }
  return out;
}

/** A Layers topology is an object (or absent) of modest size; this app never reads it back, only carries it. */
export function checkTopology(topology: unknown): void {
  if (topology === null) return;
  if (typeof topology !== 'object' || Array.isArray(topology)) {
    throw new BundleError(
      `The model file is invalid at "network.modelTopology": expected an object or null. ${REEXPORT}`,
      'network.modelTopology',
    );
  }
  const chars = JSON.stringify(topology).length;
  if (chars > MAX_TOPOLOGY_CHARS) {
    throw new BundleError(
      `The model file is invalid at "network.modelTopology": it is ${megabytes(chars)}; a network's topology takes well under ${megabytes(MAX_TOPOLOGY_CHARS)}. ${REEXPORT}`,
      'network.modelTopology',
    );
  }
}
