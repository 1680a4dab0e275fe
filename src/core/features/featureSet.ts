import type { Bars } from '../data/bars';
import { FeatureError } from './errors';
import {
  atrRatio,
  bollingerPctB,
  highLowRange,
  logReturn,
  logVolumeChange,
  macdHistogram,
  returnVolatility,
  rsiWilder,
  smaRatio,
  timeOfDayCos,
  timeOfDaySin,
  volumeZScore,
} from './indicators';

export type FeatureName =
  | 'ret1'
  | 'ret5'
  | 'ret15'
  | 'vol20'
  | 'rsi14'
  | 'macdHist'
  | 'atr14'
  | 'bbPctB'
  | 'hlRange'
  | 'logVolChange'
  | 'volZ20'
  | 'smaRatio50'
  | 'todSin'
  | 'todCos';

/** Every feature, in the canonical column order. */
export const FEATURE_NAMES: readonly FeatureName[] = [
  'ret1',
  'ret5',
  'ret15',
  'vol20',
  'rsi14',
  'macdHist',
  'atr14',
  'bbPctB',
  'hlRange',
  'logVolChange',
  'volZ20',
  'smaRatio50',
  'todSin',
  'todCos',
];

const VOLUME_FEATURES: ReadonlySet<FeatureName> = new Set<FeatureName>(['logVolChange', 'volZ20']);
const TIME_OF_DAY_FEATURES: ReadonlySet<FeatureName> = new Set<FeatureName>(['todSin', 'todCos']);
const DAY_MS = 86_400_000;

/** How each feature is computed from the bars (all causal; see indicators.ts for the formulas). */
const FEATURE_COLUMNS: Record<FeatureName, (bars: Bars, volume: Float64Array) => Float64Array> = {
  ret1: (b) => logReturn(b.close, 1),
  ret5: (b) => logReturn(b.close, 5),
  ret15: (b) => logReturn(b.close, 15),
  vol20: (b) => returnVolatility(b.close, 20),
  rsi14: (b) => rsiWilder(b.close, 14),
  macdHist: (b) => macdHistogram(b.close, 12, 26, 9),
  atr14: (b) => atrRatio(b.high, b.low, b.close, 14),
  bbPctB: (b) => bollingerPctB(b.close, 20, 2),
  hlRange: (b) => highLowRange(b.high, b.low, b.close),
  logVolChange: (_, v) => logVolumeChange(v),
  volZ20: (_, v) => volumeZScore(v, 20),
  smaRatio50: (b) => smaRatio(b.close, 50),
  todSin: (b) => timeOfDaySin(b.time),
  todCos: (b) => timeOfDayCos(b.time),
};

export interface FeatureMatrix {
  names: FeatureName[];
  rows: number;
  cols: number;
  /** Row-major, rows × cols; row t = bar t; NaN before a feature's warm-up. */
  values: Float32Array;
  /** First row at which every feature is finite (rows when there is none). */
  warmup: number;
}

export function isFeatureName(name: unknown): name is FeatureName {
  return typeof name === 'string' && (FEATURE_NAMES as readonly string[]).includes(name);
}

/** Volume features only when the data has volume; time of day only for intraday bars (interval < 1 day). */
export function defaultFeatureNames(opts: { hasVolume: boolean; intervalMs: number }): FeatureName[] {
  return FEATURE_NAMES.filter((name) => {
    if (VOLUME_FEATURES.has(name)) return opts.hasVolume;
    if (TIME_OF_DAY_FEATURES.has(name)) return opts.intervalMs < DAY_MS;
    return true;
  });
}

/** Checks a feature list: known names, no duplicates, not empty. Throws FeatureError. */
export function validateFeatureNames(names: readonly string[]): asserts names is FeatureName[] {
  const valid = `Valid features: ${FEATURE_NAMES.join(', ')}.`;
  if (names.length === 0) throw new FeatureError('no-features', 'The feature list is empty.', `Choose at least one feature. ${valid}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!isFeatureName(name)) throw new FeatureError('unknown-feature', `Unknown feature "${name}".`, valid, name);
    if (seen.has(name)) throw new FeatureError('duplicate-feature', `Feature "${name}" is listed twice.`, 'List each feature once.', name);
    seen.add(name);
  }
}

/** Computes the named features column by column; row t uses bars ≤ t only. */
export function computeFeatures(bars: Bars, names: FeatureName[]): FeatureMatrix {
  validateFeatureNames(names);
  const rows = bars.close.length;
  const cols = names.length;
  const volumeName = names.find((name) => VOLUME_FEATURES.has(name));
  if (volumeName !== undefined && bars.volume === null) {
    throw new FeatureError(
      'missing-volume',
      `Feature "${volumeName}" needs volume, but the data has no volume column.`,
      'Leave out logVolChange and volZ20, or load a file with a volume column.',
      volumeName,
    );
  }
  const volume = bars.volume ?? new Float64Array(0);
  const values = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const column = FEATURE_COLUMNS[names[c]](bars, volume);
    for (let t = 0, i = c; t < rows; t++, i += cols) values[i] = column[t];
  }
  return { names: [...names], rows, cols, values, warmup: firstCompleteRow(values, rows, cols) };
}

function firstCompleteRow(values: Float32Array, rows: number, cols: number): number {
  for (let t = 0; t < rows; t++) {
    let complete = true;
    for (let c = 0, i = t * cols; c < cols; c++, i++) {
      if (!Number.isFinite(values[i])) {
        complete = false;
        break;
      }
    }
    if (complete) return t;
  }
  return rows;
}
