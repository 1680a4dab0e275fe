import type { Trade } from '../backtest/types';
import { bootstrapBlocks, bootstrapTrades, type MonteCarloConfig, type MonteCarloResult } from './monteCarlo';
import { annualisedSharpe, periodReturns, type Estimate } from './periodReturns';
import { deflatedSharpe, probabilisticSharpe, type DeflatedSharpe, type ProbabilisticSharpe, type Trials } from './sharpeTests';
import { timingTest, type TimingConfig, type TimingTestResult } from './timingTest';

/**
 * What it takes to call an edge over buy & hold significant; all three must hold:
 * - timingP: the timing test's p-value is below 0.05 (better timing than 95 % of random re-timings
 *   with the same exposure);
 * - dsr: the deflated Sharpe ratio exceeds 0.95 (the Sharpe ratio beats the best of the trials'
 *   luck with 95 % probability);
 * - psrVsBuyHold: the probabilistic Sharpe ratio against buy & hold's Sharpe exceeds 0.95.
 * 0.05 / 0.95 are the conventional one-sided 5 % levels (Bailey & López de Prado use 0.95 for PSR/DSR).
 */
export const SIGNIFICANCE_THRESHOLDS = { timingP: 0.05, dsr: 0.95, psrVsBuyHold: 0.95 } as const;

/** Settings of a skill report; each part's defaults live with that part. */
export interface SkillConfig {
  monteCarlo?: Partial<MonteCarloConfig>;
  timing?: Partial<TimingConfig>;
  /** Sharpe ratios (per period) of every configuration tried, or how many there were; default one. */
  trials?: Trials;
  /** EnvConfig.transactionCost of the backtest. */
  transactionCost: number;
  /** EnvConfig.positionFraction of the backtest; default 1. */
  positionFraction?: number;
}

/** The parts of a BacktestResult the report reads. */
export interface SkillBacktest {
  time: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  position: Int8Array;
  trades: Trade[];
}

export interface Verdict {
  /** true / false, or null when a statistic needed for the call is missing (see text). */
  significant: boolean | null;
  /** One line, e.g. "Edge over buy & hold: not significant (timing p = 0.41, DSR 0.22, PSR vs B&H 0.30)". */
  text: string;
}

export interface SkillReport {
  /** Daily return periods and their count per year (periodReturns). */
  periods: number;
  periodsPerYear: number;
  /** Annualised Sharpe ratios of the agent and of buy & hold over the same bars. */
  sharpe: Estimate;
  buyHoldSharpe: Estimate;
  monteCarlo: { trades: MonteCarloResult; blocks: MonteCarloResult };
  /** PSR against a Sharpe ratio of 0. */
  psr: ProbabilisticSharpe;
  /** PSR against buy & hold's per-period Sharpe ratio. */
  psrVsBuyHold: ProbabilisticSharpe;
  dsr: DeflatedSharpe;
  timing: TimingTestResult;
  verdict: Verdict;
}

/** Issue 15's "skill or luck" statistics of one backtest, as one JSON-safe object. */
export function skillReport(backtest: SkillBacktest, config: SkillConfig): SkillReport {
  const { equity, time, close, trades } = backtest;
  const agent = periodReturns(equity, time);
  const buyHold = periodReturns(close, time);
  const years = Math.max(1, agent.returns.length) / agent.periodsPerYear;
  const fraction = config.positionFraction ?? 1;

  const tradeReturns = Float64Array.from(trades, (t) => t.returnPct / 100);
  const monteCarlo = {
    trades: bootstrapTrades(
      { tradeReturns, tradesPerYear: trades.length / years, initialEquity: equity[0], positionFraction: fraction },
      config.monteCarlo,
    ),
    blocks: bootstrapBlocks({ equity, time }, config.monteCarlo),
  };
  const buyHoldPsr = probabilisticSharpe(buyHold.returns);
  const psrVsBuyHold: ProbabilisticSharpe =
    buyHoldPsr.sharpe === null
      ? { ...probabilisticSharpe(agent.returns), psr: null, reason: `Buy & hold has no Sharpe ratio here: ${buyHoldPsr.reason}` }
      : probabilisticSharpe(agent.returns, buyHoldPsr.sharpe);
  const psr = probabilisticSharpe(agent.returns);
  const dsr = deflatedSharpe(agent.returns, config.trials ?? { count: 1 });
  const timing = timingTest(
    { close, position: backtest.position, transactionCost: config.transactionCost, positionFraction: fraction },
    config.timing,
  );

  return {
    periods: agent.returns.length,
    periodsPerYear: agent.periodsPerYear,
    sharpe: annualisedSharpe(agent.returns, agent.periodsPerYear),
    buyHoldSharpe: annualisedSharpe(buyHold.returns, buyHold.periodsPerYear),
    monteCarlo,
    psr,
    psrVsBuyHold,
    dsr,
    timing,
    verdict: verdict(timing.pValue, dsr.dsr, psrVsBuyHold.psr, [timing.reason, dsr.reason, psrVsBuyHold.reason]),
  };
}

/**
 * Significant when every test passes its SIGNIFICANCE_THRESHOLDS; not significant as soon as one
 * available test fails; undetermined when none fails but one is missing.
 */
export function verdict(
  timingP: number | null,
  dsr: number | null,
  psrVsBuyHold: number | null,
  reasons: (string | undefined)[] = [],
): Verdict {
  const t = SIGNIFICANCE_THRESHOLDS;
  const figures = `(timing p = ${formatP(timingP)}, DSR ${formatProbability(dsr)}, PSR vs B&H ${formatProbability(psrVsBuyHold)})`;
  const failed =
    (timingP !== null && !(timingP < t.timingP)) ||
    (dsr !== null && !(dsr > t.dsr)) ||
    (psrVsBuyHold !== null && !(psrVsBuyHold > t.psrVsBuyHold));
  if (failed) return { significant: false, text: `Edge over buy & hold: not significant ${figures}` };
  if (timingP === null || dsr === null || psrVsBuyHold === null) {
    const why = reasons.filter((r): r is string => Boolean(r)).join(' ');
    return { significant: null, text: `Edge over buy & hold: undetermined ${figures}${why ? ` — ${why}` : ''}` };
  }
  return { significant: true, text: `Edge over buy & hold: significant ${figures}` };
}

function formatP(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

function formatProbability(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(2);
}
