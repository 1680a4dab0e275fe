import { DEFAULT_SPLIT_RATIOS, SplitError, type BarRange, type SplitRatios, type Splits } from '../features';

export const WINDOWS = ['expanding', 'rolling'] as const;
/** 'expanding': every fold trains from the first usable bar; 'rolling': on a fixed-length window. */
export type WalkForwardWindow = (typeof WINDOWS)[number];

/** How the data is cut into walk-forward folds; defaults in DEFAULT_FOLD_OPTIONS. */
export interface FoldOptions {
  /** Number of folds K, i.e. of test slices; default 5. */
  folds: number;
  /** Expanding or rolling training window; default expanding. */
  window: WalkForwardWindow;
  /** Bars dropped between train → validation and validation → test; default the lookback, never less. */
  purge?: number;
  /** Bars after each test slice that the next fold neither trains, validates nor tests on; default 0. */
  embargo?: number;
  /** Proportions of fold 1's train : validation : one test slice; default 0.7 : 0.15 : 0.15. */
  ratios?: SplitRatios;
}

export const DEFAULT_FOLD_OPTIONS: FoldOptions = { folds: 5, window: 'expanding', embargo: 0 };

/** Each range holds its lookback context at its start, as every range in the app does (splits.ts). */
export interface Fold extends Splits {
  /** 1 … K. */
  index: number;
}

export interface FoldPlan {
  folds: Fold[];
  window: WalkForwardWindow;
  warmup: number;
  lookback: number;
  purge: number;
  embargo: number;
}

/** Decisions every train, validation and test range must hold at least (as chronologicalSplit asks). */
const MIN_DECISIONS = 2;

/**
 * Cuts the usable bars [warmup, rows) into K walk-forward folds. L = lookback, P = purge, E = embargo;
 * ranges include their first L − 1 bars of observation context, like every split in the app.
 *
 *   bar →   warm-up |                                                          | rows
 *   fold 1  ....... [=====train=====]PPP[--val--]PPP[###test 1###]
 *   fold 2  ....... [=========train==========]PPP[--val--]PPP EE [###test 2###]
 *   fold 3  ....... [==============train==============]PPP[--val--]PPP EE [###test 3###]
 *   stitched                                        [###test 1###]EE[###test 2###]EE[###test 3###]
 *
 * - The test slices tile the end of the data in time order: fold k+1's first decision is taken E bars
 *   after fold k's last equity bar (on that very bar when E = 0), so the stitched out-of-sample curve
 *   covers one period, interrupted only by the embargoes. Its context bars overlap the previous slice.
 * - Fold 1 is train, purge, validation, purge, test from the first usable bar, sized train : validation :
 *   test = the ratios; every test slice has the same number of decisions (the last takes the rounding
 *   remainder, so the last slice ends at the last bar).
 * - Fold k ≥ 2 places its validation slice to end L + P bars before fold k−1's last bar (inside fold k−1's
 *   test slice, which is the past by then) and its training range P bars before that, so no bar a fold
 *   trains or selects on is later than the previous test slice, and the embargo bars lie between its
 *   validation and test slices (a gap of P + E).
 * - Expanding: train runs from the first usable bar; rolling: it keeps fold 1's length and slides.
 * - The purge (≥ L) keeps every bar a validation or test decision observes out of the training range,
 *   and the next slice's decisions out of the reach of training rewards; the embargo (López de Prado,
 *   Advances in Financial Machine Learning, ch. 7) keeps the bars right after a test slice out of the
 *   next fold. Later folds do train on them: in walk-forward they are the past.
 */
export function planFolds(rows: number, warmup: number, lookback: number, options: Partial<FoldOptions> = {}): FoldPlan {
  const K = options.folds ?? DEFAULT_FOLD_OPTIONS.folds;
  const window = options.window ?? DEFAULT_FOLD_OPTIONS.window;
  const purge = options.purge ?? lookback;
  const embargo = options.embargo ?? 0;
  const ratios = options.ratios ?? DEFAULT_SPLIT_RATIOS;
  checkWhole('folds', K, 1);
  checkWhole('lookback', lookback, 1);
  checkWhole('embargo', embargo, 0);
  checkWhole('purge', purge, 0);
  if (purge < lookback) {
    throw new SplitError(
      'purge-too-short',
      `A purge of ${purge} bars is shorter than the lookback (${lookback}): validation and test decisions would observe training bars.`,
      {
        hint: `Use a purge of at least ${lookback} bars.`,
      },
    );
  }
  if (!(WINDOWS as readonly string[]).includes(window)) {
    throw new SplitError('invalid-arguments', `Unknown window "${String(window)}".`, { hint: `Choose one of: ${WINDOWS.join(', ')}.` });
  }
  if (!(ratios.train > 0) || !(ratios.test > 0) || !(ratios.validation >= 0)) {
    throw new SplitError('invalid-ratios', 'Walk-forward needs a training and a test share greater than 0.', {
      hint: 'Use shares such as 0.7 / 0.15 / 0.15.',
    });
  }

  const shape = { warmup, lookback, purge, embargo, ratios };
  const folds = layout(rows, K, window, shape);
  if (typeof folds !== 'string') return { folds, window, warmup, lookback, purge, embargo };

  let largest = 0;
  for (let k = K - 1; k >= 1 && largest === 0; k--) if (typeof layout(rows, k, window, shape) !== 'string') largest = k;
  const neededRows = smallestRows(K, window, shape, rows);
  const settings = `lookback ${lookback}, purge ${purge} and embargo ${embargo}`;
  const problem = `${K} fold${K === 1 ? '' : 's'} do${K === 1 ? 'es' : ''} not fit in ${rows} bars (${warmup} of them indicator warm-up) with ${settings}: ${folds}.`;
  const hint =
    largest > 0
      ? `Use at most ${largest} fold${largest === 1 ? '' : 's'} (the largest number that fits), or a file with at least ${neededRows} bars.`
      : `Not even one fold fits; use a file with at least ${neededRows} bars, or a smaller lookback or purge.`;
  throw new SplitError('too-many-folds', problem, { hint, largestFolds: largest, suggestedRows: neededRows });
}

interface Shape {
  warmup: number;
  lookback: number;
  purge: number;
  embargo: number;
  ratios: SplitRatios;
}

/** The folds for K, or why they do not fit. */
function layout(rows: number, K: number, window: WalkForwardWindow, s: Shape): Fold[] | string {
  const { warmup, lookback: L, purge: P, embargo: E, ratios } = s;
  const available = rows - warmup - 2 * P - L - (K - 1) * E;
  if (available <= 0)
    return `the purges, embargoes and one lookback alone take ${rows - warmup - available} of the ${rows - warmup} usable bars`;
  const scale = available / (ratios.train + ratios.validation + K * ratios.test);
  const trainBars = Math.floor(ratios.train * scale);
  const validationBars = ratios.validation > 0 ? Math.floor(ratios.validation * scale) : 0;
  const decisions = Math.floor(ratios.test * scale);
  const remainder = available - trainBars - validationBars - K * decisions;
  const needed = L + MIN_DECISIONS;
  if (trainBars < needed)
    return `each training range would have ${trainBars} bars, fewer than the ${needed} it needs (lookback ${L} + ${MIN_DECISIONS} decisions)`;
  if (ratios.validation > 0 && validationBars < needed)
    return `each validation slice would have ${validationBars} bars, fewer than the ${needed} it needs (lookback ${L} + ${MIN_DECISIONS} decisions)`;
  if (decisions < MIN_DECISIONS) return `each test slice would hold ${decisions} decisions, fewer than ${MIN_DECISIONS}`;

  const folds: Fold[] = [];
  for (let k = 1; k <= K; k++) {
    const testDecisions = decisions + (k === K ? remainder : 0);
    const previousEnd = folds.length ? folds[folds.length - 1].test.end : 0;
    // Fold 1 runs forward from the warm-up; later folds hang off the previous test slice's last bar.
    const validationEnd = k === 1 ? warmup + trainBars + P + validationBars : previousEnd - L - P;
    const testStart = k === 1 ? validationEnd + P : previousEnd - L + E;
    const validation: BarRange = { start: validationEnd - validationBars, end: validationEnd };
    const trainEnd = validation.start - P;
    const train: BarRange = { start: window === 'expanding' ? warmup : trainEnd - trainBars, end: trainEnd };
    folds.push({ index: k, train, validation, test: { start: testStart, end: testStart + L + testDecisions } });
  }
  return folds;
}

/** Fewest rows in which K folds fit (searched upward from the current count). */
function smallestRows(K: number, window: WalkForwardWindow, s: Shape, from: number): number {
  const { lookback: L, purge: P, embargo: E, ratios, warmup } = s;
  const needed = L + MIN_DECISIONS;
  const shares = [needed / ratios.train, ratios.validation > 0 ? needed / ratios.validation : 0, MIN_DECISIONS / ratios.test];
  const scale = Math.max(...shares);
  const estimate = warmup + 2 * P + L + (K - 1) * E + Math.floor(scale * (ratios.train + ratios.validation + K * ratios.test));
  for (let rows = Math.max(from, estimate - K - 3); ; rows++) if (typeof layout(rows, K, window, s) !== 'string') return rows;
}

function checkWhole(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new SplitError('invalid-arguments', `${field} must be a whole number ≥ ${min}, got ${value}.`, {
      hint: `Pass ${field} as a whole number.`,
    });
  }
}
