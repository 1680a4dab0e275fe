import { sliceBars, type Bars } from '../data/bars';
import { z } from '../schema';
import { FeatureError } from './errors';
import { atrRatio, rollingMoments } from './indicators';
import { quantile } from './regimes';
import type { BarRange } from './splits';

/**
 * Market regime per bar for RL v3 (issue #17): TREND, RANGE, BREAKOUT or MEAN_REVERSION, with the
 * direction a position agreeing with the regime would take. Three causal measures, each compared
 * with a threshold fitted as a quantile of that measure on the training split:
 *
 * - efficiency ratio (Kaufman 1995, "Smarter Trading"): ER_t = |close_t − close_{t−n}| / Σ|close_i − close_{i−1}|
 *   over the last n bars; near 1 when price went one way, near 0 when it went back and forth;
 * - breakout distance: how far close_t lies beyond the channel of the previous `channel` bars'
 *   highest high and lowest low (Donchian), in units of the previous bar's Wilder ATR;
 * - stretch: z_t = (close_t − SMA_m(close)_t)/std_m(close)_t, population std.
 *
 * When several rules fire the first wins: BREAKOUT > TREND > MEAN_REVERSION > RANGE. A breakout
 * is the rarest and most time-critical event; a stretched close inside a strong trend is the trend
 * going on, not an invitation to fade it. The one bar that breaks out of a range is therefore a
 * BREAKOUT even when it is also far from the mean; the bars after it that stay stretched without a
 * new extreme are MEAN_REVERSION.
 */

export const REGIME_LABELS = ['TREND', 'RANGE', 'BREAKOUT', 'MEAN_REVERSION'] as const;
export type RegimeLabel = (typeof REGIME_LABELS)[number];
/** Label codes: indices into REGIME_LABELS (the one-hot position). */
export const REGIME_TREND = 0;
export const REGIME_RANGE = 1;
export const REGIME_BREAKOUT = 2;
export const REGIME_MEAN_REVERSION = 3;

/** The longest window a rule may use. */
export const MAX_REGIME_WINDOW = 1000;

const windowLength = (min: number) => z.number().int().min(min).max(MAX_REGIME_WINDOW);
const quantileLevel = z.number().gt(0).lt(1);
const barIndex = z.number().int().min(0);

/**
 * Fitted regime rules as saved in a model file: the windows and quantile levels chosen, the
 * thresholds fitted on the training split, and which bars they were fitted on. Strict, so a saved
 * file with unknown keys is refused.
 */
export const regimeRulesSchema = z.strictObject({
  version: z.literal(1),
  windows: z.strictObject({
    efficiency: windowLength(1).describe('Bars over which the efficiency ratio compares the net move with the path travelled.'),
    channel: windowLength(1).describe('Previous bars whose highest high and lowest low form the breakout channel.'),
    mean: windowLength(2).describe('Bars of the moving mean and standard deviation the stretch z-score is measured against.'),
    atr: windowLength(1).describe("Wilder ATR period; a breakout's distance beyond the channel is measured in the previous bar's ATR."),
  }),
  quantiles: z.strictObject({
    trend: quantileLevel.describe('Quantile of the training efficiency ratios at or above which a bar trends.'),
    breakout: quantileLevel.describe(
      'Quantile of the training breakout distances (0 inside the channel) at or above which a bar breaks out.',
    ),
    stretch: quantileLevel.describe('Quantile of the training |z| at or above which a bar is stretched enough to revert.'),
  }),
  thresholds: z.strictObject({
    efficiency: z.number().min(0).max(1).describe('Efficiency ratio at or above which a bar is TREND.'),
    breakoutAtr: z.number().min(0).describe('Distance beyond the channel, in ATRs, at or above which a bar is BREAKOUT.'),
    stretchZ: z.number().min(0).describe('|z| at or above which a bar is MEAN_REVERSION.'),
  }),
  fittedOn: z.strictObject({
    start: barIndex.describe('First bar of the training split.'),
    end: barIndex.describe('Bar after the last of the training split.'),
    bars: z.number().int().min(1).describe('Training bars after the warm-up that the thresholds were fitted on.'),
  }),
});

/** Fitted regime rules (see regimeRulesSchema for each field); a plain JSON-serialisable object. */
export type RegimeRules = z.infer<typeof regimeRulesSchema>;
export type RegimeWindows = RegimeRules['windows'];
export type RegimeQuantiles = RegimeRules['quantiles'];
/** What a fit is asked for: the windows and quantile levels; the thresholds come from the data. */
export type RegimeSettings = Pick<RegimeRules, 'windows' | 'quantiles'>;

const regimeSettingsSchema = regimeRulesSchema.pick({ windows: true, quantiles: true });

/**
 * 20-bar windows (a trading month of daily bars), Wilder's 14-bar ATR. At these levels each rule
 * fires on at most about a quarter (TREND), a tenth (MEAN_REVERSION) and a twentieth (BREAKOUT) of
 * the training bars before precedence, and RANGE keeps the rest.
 */
export const DEFAULT_REGIME_SETTINGS: RegimeSettings = {
  windows: { efficiency: 20, channel: 20, mean: 20, atr: 14 },
  quantiles: { trend: 0.75, breakout: 0.95, stretch: 0.9 },
};

/** Per-bar values the rules compare with their thresholds; NaN before each one's warm-up. */
export interface RegimeMeasures {
  /** Efficiency ratio in [0, 1]; 0 when the price did not move over the window. */
  efficiency: Float64Array;
  /** close_t − close_{t−efficiency}: its sign is the trend's direction. */
  netMove: Float64Array;
  /**
   * Distance of close_t beyond the previous `channel` bars' range in units of ATR_{t−1}: positive
   * above the highest high, negative below the lowest low, 0 inside; ±Infinity when ATR_{t−1} is 0.
   */
  breakoutAtr: Float64Array;
  /** (close_t − SMA)/std over the `mean` window; 0 when the std is 0. */
  stretchZ: Float64Array;
}

/** First bar at which every measure is defined: ER and the channel need `n` earlier bars, ATR_{t−1} needs t ≥ atr + 1. */
export function regimeWarmup(windows: RegimeWindows): number {
  return Math.max(windows.efficiency, windows.channel, windows.atr + 1, windows.mean - 1);
}

/** The three measures per bar; causal: bar t reads bars ≤ t only. */
export function regimeMeasures(bars: Bars, windows: RegimeWindows): RegimeMeasures {
  const { high, low, close } = bars;
  const n = close.length;
  const efficiency = new Float64Array(n).fill(Number.NaN);
  const netMove = new Float64Array(n).fill(Number.NaN);
  const breakoutAtr = new Float64Array(n).fill(Number.NaN);
  const stretchZ = new Float64Array(n).fill(Number.NaN);

  for (let t = windows.efficiency; t < n; t++) {
    let path = 0;
    for (let i = t - windows.efficiency + 1; i <= t; i++) path += Math.abs(close[i] - close[i - 1]);
    const net = close[t] - close[t - windows.efficiency];
    netMove[t] = net;
    efficiency[t] = path === 0 ? 0 : Math.abs(net) / path;
  }

  const atrOverClose = atrRatio(high, low, close, windows.atr);
  for (let t = windows.channel; t < n; t++) {
    let channelHigh = -Infinity;
    let channelLow = Infinity;
    for (let i = t - windows.channel; i < t; i++) {
      if (high[i] > channelHigh) channelHigh = high[i];
      if (low[i] < channelLow) channelLow = low[i];
    }
    const previousAtr = atrOverClose[t - 1] * close[t - 1];
    if (close[t] > channelHigh) breakoutAtr[t] = (close[t] - channelHigh) / previousAtr;
    else if (close[t] < channelLow) breakoutAtr[t] = (close[t] - channelLow) / previousAtr;
    else if (Number.isFinite(previousAtr)) breakoutAtr[t] = 0;
  }

  const { mean, std } = rollingMoments(close, windows.mean);
  for (let t = 0; t < n; t++) {
    if (Number.isFinite(std[t])) stretchZ[t] = std[t] === 0 ? 0 : (close[t] - mean[t]) / std[t];
  }
  return { efficiency, netMove, breakoutAtr, stretchZ };
}

/**
 * Fits the thresholds on the training split only: each is the quantile, at its level in
 * `settings.quantiles`, of its measure's finite values (|breakout distance|, |z|) on the training
 * bars after the warm-up. Measures are computed on bars [0, train.end), so nothing after the
 * split is read; a break after a perfectly flat stretch (infinite distance) is left out of the fit.
 */
export function fitRegimeRules(bars: Bars, train: BarRange, settings: RegimeSettings = DEFAULT_REGIME_SETTINGS): RegimeRules {
  const checked = regimeSettingsSchema.safeParse(settings);
  if (!checked.success) {
    const hint = `Use whole-number windows from 1 to ${MAX_REGIME_WINDOW} (mean from 2) and quantile levels between 0 and 1.`;
    throw invalidRules(checked.error, 'regime settings', hint);
  }
  const { windows, quantiles } = checked.data;
  const rows = bars.close.length;
  if (!Number.isInteger(train.start) || !Number.isInteger(train.end) || train.start < 0 || train.end > rows || train.start >= train.end) {
    throw new FeatureError(
      'empty-range',
      `The training range [${train.start}, ${train.end}) is not a non-empty range of the ${rows} bars.`,
      'Fit regime rules on the training split of the same data.',
      'regimes',
    );
  }
  const warmup = regimeWarmup(windows);
  const start = Math.max(train.start, warmup);
  if (start >= train.end) {
    throw new FeatureError(
      'empty-range',
      `The training split [${train.start}, ${train.end}) ends inside the ${warmup}-bar regime warm-up.`,
      `Use a training split that reaches past bar ${warmup}, or shorter regime windows.`,
      'regimes',
    );
  }
  const measures = regimeMeasures(sliceBars(bars, 0, train.end), windows);
  let fitted = 0;
  for (let t = start; t < train.end; t++) {
    if (Number.isFinite(measures.efficiency[t]) && Number.isFinite(measures.breakoutAtr[t]) && Number.isFinite(measures.stretchZ[t]))
      fitted++;
  }
  if (fitted === 0) {
    throw new FeatureError(
      'empty-range',
      `The training split [${train.start}, ${train.end}) has no bar with finite prices after the ${warmup}-bar regime warm-up.`,
      'Use a training split with valid prices.',
      'regimes',
    );
  }
  const finiteAbs = (values: Float64Array): Float64Array => {
    const out: number[] = [];
    for (let t = start; t < train.end; t++) if (Number.isFinite(values[t])) out.push(Math.abs(values[t]));
    return Float64Array.from(out).sort();
  };
  return {
    version: 1,
    windows: { ...windows },
    quantiles: { ...quantiles },
    thresholds: {
      efficiency: quantile(finiteAbs(measures.efficiency), quantiles.trend),
      breakoutAtr: quantile(finiteAbs(measures.breakoutAtr), quantiles.breakout),
      stretchZ: quantile(finiteAbs(measures.stretchZ), quantiles.stretch),
    },
    fittedOn: { start: train.start, end: train.end, bars: fitted },
  };
}

export interface RegimeLabels {
  /** Per bar, an index into REGIME_LABELS. */
  label: Uint8Array;
  /** Per bar, the side a position agreeing with the regime takes: −1, 0 or +1 (0 for RANGE). */
  direction: Int8Array;
  /** Bars before this are RANGE with direction 0: the measures are not defined yet. */
  warmup: number;
}

/**
 * Labels every bar; causal, so bar t's label reads bars ≤ t only. The first rule that fires wins:
 * 1. BREAKOUT when the breakout distance is non-zero and |distance| ≥ thresholds.breakoutAtr;
 *    direction = the side of the break (+1 above the channel, −1 below);
 * 2. TREND when ER > 0 and ER ≥ thresholds.efficiency; direction = sign of close_t − close_{t−n};
 * 3. MEAN_REVERSION when z ≠ 0 and |z| ≥ thresholds.stretchZ; direction = −sign(z), towards the mean;
 * 4. RANGE otherwise (also for a non-finite measure), direction 0.
 */
export function labelRegimes(bars: Bars, rules: RegimeRules): RegimeLabels {
  const n = bars.close.length;
  const label = new Uint8Array(n).fill(REGIME_RANGE);
  const direction = new Int8Array(n);
  const warmup = Math.min(regimeWarmup(rules.windows), n);
  const { efficiency, netMove, breakoutAtr, stretchZ } = regimeMeasures(bars, rules.windows);
  const { thresholds } = rules;
  for (let t = warmup; t < n; t++) {
    const breakout = breakoutAtr[t];
    const z = stretchZ[t];
    if (breakout !== 0 && Math.abs(breakout) >= thresholds.breakoutAtr) {
      label[t] = REGIME_BREAKOUT;
      direction[t] = breakout > 0 ? 1 : -1;
    } else if (efficiency[t] > 0 && efficiency[t] >= thresholds.efficiency) {
      label[t] = REGIME_TREND;
      direction[t] = Math.sign(netMove[t]);
    } else if (z !== 0 && Math.abs(z) >= thresholds.stretchZ) {
      label[t] = REGIME_MEAN_REVERSION;
      direction[t] = z > 0 ? -1 : 1;
    }
  }
  return { label, direction, warmup };
}

/** Validates regime rules read from a model file; FeatureError 'invalid-regime-rules' names the field. */
export function regimeRulesFromJson(json: unknown): RegimeRules {
  const parsed = regimeRulesSchema.safeParse(json);
  if (!parsed.success) {
    throw invalidRules(
      parsed.error,
      'regime rules',
      'The model file is damaged or was written by another program; retrain or re-export the model.',
    );
  }
  return parsed.data;
}

function invalidRules(error: z.ZodError, what: string, hint: string): FeatureError {
  const path = error.issues[0].path.join('.');
  const where = path === '' ? '' : ` at ${path}`;
  return new FeatureError(
    'invalid-regime-rules',
    `Invalid ${what}${where}: ${error.issues[0].message}.`,
    hint,
    path === '' ? 'regimes' : `regimes.${path}`,
  );
}
