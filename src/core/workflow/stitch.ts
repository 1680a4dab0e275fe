import type { BacktestResult } from '../backtest/runner';
import type { Trade } from '../backtest/types';

/** Consecutive test backtests joined into one out-of-sample account. */
export interface StitchedCurve {
  time: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  /** Position held over point k → k+1, as in BacktestResult. */
  position: Int8Array;
  /** Every fold's trades, indices relative to the stitched curve's first point. */
  trades: Trade[];
  /** Index in the stitched curve of each fold's first point. */
  foldStarts: number[];
}

/**
 * Joins test backtests in time order into one account: each fold's equity is rescaled to start from
 * the previous fold's final equity, so the curve compounds as if one account had traded every slice.
 * When a fold's first bar is the previous fold's last (no embargo) the bar appears once, with the
 * new fold's position over it (the previous fold closed there at its end); otherwise the account is
 * flat across the gap. With no embargo the curve has 1 + Σ decisions points.
 */
export function stitchTestCurves(tests: readonly BacktestResult[]): StitchedCurve {
  let length = 0;
  for (let k = 0; k < tests.length; k++) length += tests[k].equity.length - (sharesBar(tests, k) ? 1 : 0);
  const time = new Float64Array(length);
  const close = new Float64Array(length);
  const equity = new Float64Array(length);
  const position = new Int8Array(length);
  const trades: Trade[] = [];
  const foldStarts: number[] = [];
  let cursor = 0;
  for (let k = 0; k < tests.length; k++) {
    const t = tests[k];
    const shared = sharesBar(tests, k);
    const origin = shared ? cursor - 1 : cursor;
    const scale = k === 0 ? 1 : t.equity[0] > 0 ? equity[cursor - 1] / t.equity[0] : 0;
    foldStarts.push(origin);
    if (shared) position[origin] = t.position[0];
    for (let i = shared ? 1 : 0; i < t.equity.length; i++, cursor++) {
      time[cursor] = t.time[i];
      close[cursor] = t.close[i];
      equity[cursor] = t.equity[i] * scale;
      position[cursor] = t.position[i];
    }
    for (const trade of t.trades) trades.push({ ...trade, entryIndex: trade.entryIndex + origin, exitIndex: trade.exitIndex + origin });
  }
  return { time, close, equity, position, trades, foldStarts };
}

function sharesBar(tests: readonly BacktestResult[], k: number): boolean {
  if (k === 0) return false;
  const previous = tests[k - 1];
  return previous.time[previous.time.length - 1] === tests[k].time[0];
}
