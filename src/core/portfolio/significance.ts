import { periodReturns } from '../evaluation/periodReturns';
import { deflatedSharpe, probabilisticSharpe } from '../evaluation/sharpeTests';
import { SIGNIFICANCE_THRESHOLDS } from '../evaluation/skillReport';
import type { PortfolioBacktest } from './runner';

/** Skill or luck of a portfolio backtest, against no edge and against 1/N rebalanced every bar. */
export interface PortfolioSignificance {
  /** P(true Sharpe > 0). */
  psr: number | null;
  /** P(true Sharpe > the Sharpe of 1/N rebalanced every bar on the same bars). */
  psrVsEqualWeight: number | null;
  /** PSR against the best Sharpe expected from `trials` checkpoints compared without skill. */
  dsr: number | null;
  trials: number;
  periods: number;
  /** One line, e.g. "Edge over 1/N: not significant (PSR vs 1/N 0.41 < 0.95)". */
  verdict: string;
}

/**
 * PSR and DSR (Bailey & López de Prado) of the agent's daily returns, the same tests the single-asset
 * evaluation runs, with 1/N rebalanced every bar as the benchmark (DeMiguel, Garlappi & Uppal 2009:
 * hard to beat). Significant when PSR vs 1/N and DSR both pass SIGNIFICANCE_THRESHOLDS.
 */
export function portfolioSignificance(result: PortfolioBacktest, equalWeight: PortfolioBacktest, trials: number): PortfolioSignificance {
  const returns = periodReturns(result.equity, result.time).returns;
  const benchmark = periodReturns(equalWeight.equity, equalWeight.time).returns;
  const benchmarkSharpe = probabilisticSharpe(benchmark).sharpe;
  const psr = probabilisticSharpe(returns);
  const vsEqual = benchmarkSharpe === null ? null : probabilisticSharpe(returns, benchmarkSharpe).psr;
  const dsr = deflatedSharpe(returns, { count: Math.max(1, trials) }).dsr;
  const t = SIGNIFICANCE_THRESHOLDS;
  const fmt = (x: number) => x.toFixed(2);
  let verdict: string;
  if (vsEqual === null || dsr === null) verdict = `Edge over 1/N: undetermined (${psr.reason ?? 'the benchmark has no Sharpe ratio'})`;
  else if (vsEqual > t.psrVsBuyHold && dsr > t.dsr) verdict = `Edge over 1/N: significant (PSR vs 1/N ${fmt(vsEqual)}, DSR ${fmt(dsr)})`;
  else {
    const failed = vsEqual <= t.psrVsBuyHold ? `PSR vs 1/N ${fmt(vsEqual)} ≤ ${t.psrVsBuyHold}` : `DSR ${fmt(dsr)} ≤ ${t.dsr}`;
    verdict = `Edge over 1/N: not significant (${failed})`;
  }
  return { psr: psr.psr, psrVsEqualWeight: vsEqual, dsr, trials: Math.max(1, trials), periods: returns.length, verdict };
}
