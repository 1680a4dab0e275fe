import type { BacktestResult } from './runner';

/** How a validation backtest ranks among the checkpoints of a run. */
export interface SelectionScore {
  /** Higher is better. */
  score: number;
  /**
   * 'daily Sharpe' when the validation span has enough daily returns for the reported Sharpe;
   * 'bar Sharpe' otherwise (a few days of intraday bars): the same ratio on bar returns, annualised
   * over the bars a year. Every checkpoint of a run is validated on the same bars, so all of them
   * get the same basis and the ranking compares like with like.
   */
  basis: 'daily Sharpe' | 'bar Sharpe';
  trades: number;
}

/**
 * The score a checkpoint is selected by. An undefined Sharpe (no trade, returns that never moved)
 * counts as 0: staying flat is better than losing money, and worse than earning it.
 */
export function selectionScore(result: Pick<BacktestResult, 'metrics' | 'equity'>): SelectionScore {
  const trades = result.metrics.trades;
  if (result.metrics.returnPeriods >= 20 || result.equity.length < 3) {
    return { score: result.metrics.sharpe ?? 0, basis: 'daily Sharpe', trades };
  }
  return { score: barSharpe(result.equity, result.metrics.barsPerYear) ?? 0, basis: 'bar Sharpe', trades };
}

/**
 * True when `candidate` should replace `best`: it has at least `minTrades` validation trades and a
 * strictly higher score (ties keep the earlier checkpoint, which trained for less time).
 */
export function isBetterCheckpoint(candidate: SelectionScore, best: SelectionScore | null, minTrades: number): boolean {
  if (candidate.trades < minTrades) return false;
  return best === null || candidate.score > best.score;
}

function barSharpe(equity: Float64Array, barsPerYear: number): number | null {
  const n = equity.length - 1;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += equity[k] > 0 ? equity[k + 1] / equity[k] - 1 : 0;
  const mean = sum / n;
  let sq = 0;
  for (let k = 0; k < n; k++) sq += ((equity[k] > 0 ? equity[k + 1] / equity[k] - 1 : 0) - mean) ** 2;
  const std = Math.sqrt(sq / (n - 1));
  if (!(std > 0)) return null;
  const sharpe = (mean / std) * Math.sqrt(barsPerYear);
  return Number.isFinite(sharpe) ? sharpe : null;
}
