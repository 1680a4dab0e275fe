import { SplitError, type SplitName } from './errors';

/** Bar indices, end exclusive. */
export interface BarRange {
  start: number;
  end: number;
}

/** Shares of the usable bars; each ≥ 0, train > 0, summing to 1. */
export interface SplitRatios {
  train: number;
  validation: number;
  test: number;
}

export interface Splits {
  train: BarRange;
  validation: BarRange;
  test: BarRange;
}

export const DEFAULT_SPLIT_RATIOS: SplitRatios = { train: 0.7, validation: 0.15, test: 0.15 };

const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];
const RATIO_SUM_TOLERANCE = 1e-6;

/**
 * Cuts the usable bars [warmup, rows) in time order into train, validation and test, boundaries
 * rounded to whole bars. A decision in a range observes `lookback` bars and needs the next bar for its
 * reward, so a range of L bars holds L − lookback decisions; every split with a ratio > 0 must hold at
 * least `minDecisions`, i.e. lookback + minDecisions bars. A split with ratio 0 is empty ({start: x, end: x}).
 */
export function chronologicalSplit(
  rows: number,
  warmup: number,
  lookback: number,
  ratios: SplitRatios = DEFAULT_SPLIT_RATIOS,
  minDecisions = 2,
): Splits {
  checkCount('rows', rows, 0);
  checkCount('warmup', warmup, 0);
  checkCount('lookback', lookback, 1);
  checkCount('minDecisions', minDecisions, 1);
  checkRatios(ratios);

  const usable = rows - warmup;
  const needed = lookback + minDecisions;
  if (usable <= 0) {
    throw new SplitError('no-usable-bars', `The data has ${rows} bars, all inside the ${warmup}-bar indicator warm-up.`, {
      hint: `Use a file with at least ${warmup + minimumUsableBars(needed, ratios)} bars.`,
      bars: 0,
      needed,
    });
  }
  const splits = cut(rows, warmup, ratios);
  const lengths = SPLIT_NAMES.map((name) => splits[name].end - splits[name].start);
  const required = SPLIT_NAMES.map((name) => ratios[name] > 0);
  const failing = SPLIT_NAMES.findIndex((_, i) => required[i] && lengths[i] < needed);
  if (failing >= 0) {
    const split = SPLIT_NAMES[failing];
    const shortest = Math.min(...lengths.filter((_, i) => required[i]));
    const fittingLookback = shortest - minDecisions;
    const suggestedRows = warmup + minimumUsableBars(needed, ratios);
    const fileAdvice = `a file with at least ${suggestedRows} bars (this one has ${rows}, ${warmup} of them indicator warm-up)`;
    const hint = fittingLookback >= 1 ? `Use a lookback of at most ${fittingLookback}, or ${fileAdvice}.` : `Use ${fileAdvice}.`;
    throw new SplitError(
      'split-too-short',
      `The ${split} split has ${lengths[failing]} bars but needs at least ${needed} (lookback ${lookback} + ${minDecisions} decisions).`,
      {
        hint,
        split,
        bars: lengths[failing],
        needed,
        suggestedRows,
        ...(fittingLookback >= 1 ? { suggestedLookback: fittingLookback } : {}),
      },
    );
  }
  return splits;
}

/** Boundaries at the cumulative shares of the usable bars, normalised by the ratio sum and rounded. */
function cut(rows: number, warmup: number, ratios: SplitRatios): Splits {
  const usable = rows - warmup;
  const sum = ratios.train + ratios.validation + ratios.test;
  const trainEnd = warmup + Math.round((usable * ratios.train) / sum);
  const validationEnd = warmup + Math.round((usable * (ratios.train + ratios.validation)) / sum);
  return {
    train: { start: warmup, end: trainEnd },
    validation: { start: trainEnd, end: validationEnd },
    test: { start: validationEnd, end: rows },
  };
}

/** Smallest number of usable bars for which every split with a ratio > 0 holds `needed` bars. */
function minimumUsableBars(needed: number, ratios: SplitRatios): number {
  const sum = ratios.train + ratios.validation + ratios.test;
  let estimate = 1;
  for (const name of SPLIT_NAMES) {
    if (ratios[name] > 0) estimate = Math.max(estimate, Math.ceil((needed * sum) / ratios[name]));
  }
  // Rounding of the boundaries can cost a bar either way; search near the estimate.
  for (let usable = Math.max(1, estimate - 3); ; usable++) {
    const s = cut(usable, 0, ratios);
    if (SPLIT_NAMES.every((name) => ratios[name] === 0 || s[name].end - s[name].start >= needed)) return usable;
  }
}

function checkCount(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new SplitError('invalid-arguments', `${field} must be a whole number ≥ ${min}, got ${value}.`, {
      hint: `Pass ${field} as a whole number of bars.`,
    });
  }
}

function checkRatios(ratios: SplitRatios): void {
  const hint = 'Use shares ≥ 0 that sum to 1 with a training share > 0, e.g. 0.7 / 0.15 / 0.15.';
  for (const name of SPLIT_NAMES) {
    const r = ratios[name];
    if (!Number.isFinite(r) || r < 0)
      throw new SplitError('invalid-ratios', `The ${name} share ${r} is not a number ≥ 0.`, { hint, split: name });
  }
  if (ratios.train <= 0) throw new SplitError('invalid-ratios', 'The training share must be greater than 0.', { hint, split: 'train' });
  const sum = ratios.train + ratios.validation + ratios.test;
  if (Math.abs(sum - 1) > RATIO_SUM_TOLERANCE) {
    throw new SplitError('invalid-ratios', `The split shares sum to ${Number(sum.toFixed(6))}, not 1.`, { hint });
  }
}
