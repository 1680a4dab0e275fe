import { formatNumber } from '../backtest/metricTable';
import type { Percentiles } from '../evaluation';
import type { ModelEvaluation } from '../workflow/evaluate';

const PERCENTILES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

/**
 * The evaluation's Monte Carlo percentiles, regime table and significance as plain-text lines for a
 * terminal (the metrics table is the backtest's own and printed before these).
 */
export function formatEvaluationText(e: ModelEvaluation): string {
  const mc = e.monteCarlo;
  const probability = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(1)} %`);
  const row = (label: string, p: Percentiles | null, reason?: string) =>
    `  ${label.padEnd(18)}${p ? PERCENTILES.map((k) => formatNumber(p[k]).padStart(10)).join('') : `  ${reason ?? 'n/a'}`}`;
  const lines = [
    `Monte Carlo (block bootstrap of bar returns, ${mc.resamples} resamples${mc.blockLength ? `, mean block ${mc.blockLength} bars` : ''}):`,
    `  ${''.padEnd(18)}${PERCENTILES.map((k) => k.padStart(10)).join('')}`,
    row('Final return %', mc.finalReturn, mc.reasons.finalReturn),
    row('Max drawdown %', mc.maxDrawdown, mc.reasons.maxDrawdown),
    row('Sharpe ratio', mc.sharpe, mc.reasons.sharpe),
    `  Probability of a loss ${probability(mc.probabilityOfLoss)}, of a drawdown of ${mc.drawdownThreshold} % or deeper ${probability(mc.probabilityOfDrawdownBeyond)}` +
      ` (trade bootstrap: loss ${probability(e.monteCarloTrades.probabilityOfLoss)})`,
    '',
    `Regimes (volatility terciles fitted on the ${e.regimeThresholds.source}; trend = SMA(50) slope):`,
    `  ${'regime'.padEnd(16)}${['bars', 'return %', 'sharpe', 'exposure %', 'trades', 'win %'].map((h) => h.padStart(11)).join('')}`,
    ...e.regimes.map(
      (r) =>
        `  ${r.regime.padEnd(16)}${[
          String(r.bars),
          formatNumber(r.totalReturn),
          formatNumber(r.sharpe),
          formatNumber(r.exposure),
          String(r.trades),
          formatNumber(r.winRate),
        ]
          .map((v) => v.padStart(11))
          .join('')}`,
    ),
    '',
    significanceLine(e),
    e.significance.verdict,
  ];
  for (const note of e.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

function significanceLine(e: ModelEvaluation): string {
  const s = e.significance;
  const p = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  return `Significance: PSR ${p(s.psr)}, PSR vs buy & hold ${p(s.psrVsBuyHold)}, DSR ${p(s.dsr)} over ${s.trials} trial${s.trials === 1 ? '' : 's'} (${s.trialsSource}), timing p ${p(s.timingPValue)}`;
}
