import { createRng, type Rng } from '../random/rng';
import { percentilesInPlace, type Percentiles } from './descriptive';

/** Fewer holding periods than this and the timing test's p-value is null: too few trades to move. */
export const MIN_TIMING_TRADES = 5;
/** Fewer bars than this and the timing test's p-value is null. */
export const MIN_TIMING_BARS = 20;

/** Settings of the timing test; defaults in DEFAULT_TIMING_CONFIG. */
export interface TimingConfig {
  /** Random re-timings of the position series. */
  retimings: number;
  /** Seed of the re-timing stream. */
  seed: number;
  /**
   * 'permute' shuffles the holding periods among themselves and the flat gaps among themselves,
   * keeping which runs are held and which flat: exposure and trade count stay the same (two same-side
   * holds that land next to each other merge into one). 'shift' rotates the whole position series by a
   * random offset over the same bars: exposure stays, the trade count may change by one at the seam.
   */
  method: 'permute' | 'shift';
}

export const DEFAULT_TIMING_CONFIG: TimingConfig = { retimings: 1000, seed: 1, method: 'permute' };

export interface TimingInput {
  /** Close at each bar of the backtest. */
  close: Float64Array;
  /** Position held over bar k → k+1 (−1, 0, 1), as BacktestResult.position; the last entry is unused. */
  position: Int8Array;
  /** Cost per unit of position change as a fraction of equity (EnvConfig.transactionCost). */
  transactionCost: number;
  /** Fraction of equity a position commits (EnvConfig.positionFraction); default 1. */
  positionFraction?: number;
}

export interface TimingTestResult {
  method: TimingConfig['method'];
  retimings: number;
  /** The agent's total return under the test's return model, percent. */
  agentReturn: number | null;
  /** Distribution of the re-timed total returns, percent. */
  retimedReturn: Percentiles | null;
  /** (1 + #re-timings with total return ≥ the agent's) / (1 + re-timings); null with `reason`. */
  pValue: number | null;
  reason?: string;
}

/**
 * Is the agent's timing better than chance, given how much it was in the market? Its positions are
 * re-timed at random (see TimingConfig.method) over the same bars and each re-timing's total return
 * compared with the agent's; the one-sided p-value counts the agent itself among the re-timings, so it
 * is never 0 (North, Curtis & Sham 2002).
 *
 * Return model, the same for the agent and every re-timing: over bar k equity grows by
 * 1 + f·pos_k·(close_{k+1}/close_k − 1), and each change of position costs c·f·|pos_k − pos_{k−1}| of
 * equity, starting flat; a position still open at the end is marked to the last close without an
 * exit cost (as the backtest does). It ignores slippage and the backtest's exact fills, so
 * agentReturn is close to but not identical with the backtest's total return.
 */
export function timingTest(input: TimingInput, config: Partial<TimingConfig> = {}): TimingTestResult {
  const cfg = { ...DEFAULT_TIMING_CONFIG, ...config };
  const { close, position } = input;
  const f = input.positionFraction ?? 1;
  const costPerUnit = input.transactionCost * f;
  const m = close.length - 1;
  const base = { method: cfg.method, retimings: 0, agentReturn: null, retimedReturn: null, pValue: null };
  if (m < MIN_TIMING_BARS) return { ...base, reason: `${m + 1} bars; the timing test needs at least ${MIN_TIMING_BARS + 1}.` };

  // f·(bar return), so the hot loops multiply by 1 + pos·move.
  const move = new Float64Array(m);
  for (let k = 0; k < m; k++) move[k] = f * (close[k + 1] / close[k] - 1);
  const runs = positionRuns(position, m);
  if (runs.held.length < MIN_TIMING_TRADES) {
    return {
      ...base,
      reason: `${runs.held.length} holding periods; the timing test needs at least ${MIN_TIMING_TRADES} trades to re-time.`,
    };
  }

  const R = cfg.retimings;
  const rng = createRng(cfg.seed);
  const logWealth = new Float64Array(R);
  let agent: number;
  if (cfg.method === 'shift') {
    agent = shiftedLogWealth(position, move, m, 0, costPerUnit);
    for (let i = 0; i < R; i++) logWealth[i] = shiftedLogWealth(position, move, m, 1 + rng.int(0, m - 1), costPerUnit);
  } else {
    const held = runs.held.slice();
    const flat = runs.flat.slice();
    const growth = logGrowthPrefixes(move);
    agent = permutedLogWealth(runs, runs.held, runs.flat, growth, costPerUnit);
    for (let i = 0; i < R; i++) {
      shuffle(held, rng);
      shuffle(flat, rng);
      logWealth[i] = permutedLogWealth(runs, held, flat, growth, costPerUnit);
    }
  }

  // Both sides come from the same arithmetic, so a re-timing identical to the agent's ties exactly.
  let atLeast = 0;
  for (let i = 0; i < R; i++) if (logWealth[i] >= agent) atLeast++;
  const retimed = new Float64Array(R);
  for (let i = 0; i < R; i++) retimed[i] = Math.expm1(logWealth[i]) * 100;
  return {
    method: cfg.method,
    retimings: R,
    agentReturn: finiteOrNull(Math.expm1(agent) * 100),
    retimedReturn: percentilesInPlace(retimed),
    pValue: (1 + atLeast) / (1 + R),
  };
}

/** Maximal runs of constant position over the m bar intervals: where each starts, its length and side. */
export interface PositionRuns {
  start: Int32Array;
  length: Int32Array;
  side: Int8Array;
  /** Indices of the runs in a position, in time order. */
  held: Int32Array;
  /** Indices of the flat runs, in time order. */
  flat: Int32Array;
}

export function positionRuns(position: Int8Array, m: number): PositionRuns {
  const start: number[] = [];
  const length: number[] = [];
  const side: number[] = [];
  const held: number[] = [];
  const flat: number[] = [];
  for (let k = 0; k < m; k++) {
    if (k > 0 && position[k] === position[k - 1]) {
      length[length.length - 1]++;
      continue;
    }
    (position[k] === 0 ? flat : held).push(start.length);
    start.push(k);
    length.push(1);
    side.push(position[k]);
  }
  return {
    start: Int32Array.from(start),
    length: Int32Array.from(length),
    side: Int8Array.from(side),
    held: Int32Array.from(held),
    flat: Int32Array.from(flat),
  };
}

/**
 * Prefix sums of log(1 + side·move) for a long and a short position, and of the bars where such a
 * position would be wiped out (growth ≤ 0): a run's growth is then two subtractions, so a re-timing
 * costs one pass over the runs instead of one over the bars (1,000 re-timings of 100k bars: ~10×).
 */
interface LogGrowthPrefixes {
  long: Float64Array;
  short: Float64Array;
  longRuin: Int32Array;
  shortRuin: Int32Array;
}

function logGrowthPrefixes(move: Float64Array): LogGrowthPrefixes {
  const m = move.length;
  const long = new Float64Array(m + 1);
  const short = new Float64Array(m + 1);
  const longRuin = new Int32Array(m + 1);
  const shortRuin = new Int32Array(m + 1);
  for (let k = 0; k < m; k++) {
    const up = 1 + move[k];
    const down = 1 - move[k];
    long[k + 1] = long[k] + (up > 0 ? Math.log(up) : 0);
    short[k + 1] = short[k] + (down > 0 ? Math.log(down) : 0);
    longRuin[k + 1] = longRuin[k] + (up > 0 ? 0 : 1);
    shortRuin[k + 1] = shortRuin[k] + (down > 0 ? 0 : 1);
  }
  return { long, short, longRuin, shortRuin };
}

/**
 * Log wealth of the runs laid out in their original slots, held runs taken in `held` order and flat
 * runs in `flat` order: exposure and the number of trades stay the agent's. Each change of position
 * pays costPerUnit per unit of position changed; a run that would take equity to zero gives −∞.
 */
function permutedLogWealth(runs: PositionRuns, held: Int32Array, flat: Int32Array, growth: LogGrowthPrefixes, costPerUnit: number): number {
  const costOne = Math.log(1 - costPerUnit);
  const costTwo = Math.log(1 - 2 * costPerUnit);
  let logWealth = 0;
  let previous = 0;
  let k = 0;
  let h = 0;
  let g = 0;
  for (let slot = 0; slot < runs.side.length; slot++) {
    const run = runs.side[slot] === 0 ? flat[g++] : held[h++];
    const side = runs.side[run];
    const length = runs.length[run];
    const change = side > previous ? side - previous : previous - side;
    if (change === 1) logWealth += costOne;
    else if (change === 2) logWealth += costTwo;
    previous = side;
    const stop = k + length;
    if (side === 1) {
      if (growth.longRuin[stop] !== growth.longRuin[k]) return -Infinity;
      logWealth += growth.long[stop] - growth.long[k];
    } else if (side === -1) {
      if (growth.shortRuin[stop] !== growth.shortRuin[k]) return -Infinity;
      logWealth += growth.short[stop] - growth.short[k];
    }
    k = stop;
  }
  return logWealth;
}

/** As permutedLogWealth, for the positions rotated so that bar k holds position[(k + shift) mod m]. */
function shiftedLogWealth(position: Int8Array, move: Float64Array, m: number, shift: number, costPerUnit: number): number {
  let logWealth = 0;
  let wealth = 1;
  let previous = 0;
  let source = shift;
  for (let k = 0; k < m; k++) {
    const side = position[source];
    if (++source === m) source = 0;
    if (side !== previous) {
      wealth *= 1 - costPerUnit * Math.abs(side - previous);
      previous = side;
    }
    if (side !== 0) {
      const growth = 1 + side * move[k];
      if (growth <= 0) return -Infinity;
      wealth *= growth;
    }
    // Fold into the log now and then, so long series cannot overflow the product.
    if ((k & 1023) === 1023) {
      logWealth += Math.log(wealth);
      wealth = 1;
    }
  }
  return logWealth + Math.log(wealth);
}

/** Fisher–Yates shuffle in place. */
function shuffle(values: Int32Array, rng: Rng): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
