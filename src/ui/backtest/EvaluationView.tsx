import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ModelEvaluation } from '../../api/labClient';
import type { Percentiles } from '../../core/evaluation';
import { formatNumber } from '../charts/series';

const AXIS = '#94a3b8';
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' };
const PERCENTILES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

/** The evaluate button, the verdict line once evaluated, and the HTML report export. */
export function EvaluationBar({
  evaluation,
  evaluating,
  onEvaluate,
  onExportHtml,
}: {
  evaluation: ModelEvaluation | null;
  evaluating: boolean;
  onEvaluate: () => void;
  onExportHtml: () => void;
}) {
  const significant = evaluation?.significance.significant;
  return (
    <div className="evaluation-bar">
      <div className="actions">
        <button
          type="button"
          className="button"
          onClick={onEvaluate}
          disabled={evaluating || evaluation !== null}
          data-testid="evaluate-run"
        >
          Evaluate (Monte Carlo, regimes, significance)
        </button>
        <button type="button" className="button secondary" onClick={onExportHtml} disabled={evaluating} data-testid="export-html-report">
          Export report (HTML)
        </button>
        {evaluating ? (
          <span className="status" role="status">
            Resampling 1,000 paths and re-timing 1,000 times…
          </span>
        ) : null}
      </div>
      {evaluation ? (
        <p
          className={`verdict${significant === true ? ' verdict-yes' : significant === false ? ' verdict-no' : ''}`}
          data-testid="evaluation-verdict"
          data-significant={String(significant)}
        >
          {evaluation.significance.verdict}
        </p>
      ) : null}
    </div>
  );
}

/** Monte Carlo percentiles, the significance figures and the regime table and chart. */
export function EvaluationDetails({ evaluation }: { evaluation: ModelEvaluation }) {
  const mc = evaluation.monteCarlo;
  const s = evaluation.significance;
  const probability = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(1)} %`);
  const p3 = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  const regimeData = evaluation.regimes.filter((r) => r.bars > 0).map((r) => ({ regime: r.regime, totalReturn: r.totalReturn }));
  return (
    <div className="evaluation" data-testid="evaluation">
      <div className="chart-grid">
        <div className="table-wrap">
          <table className="compare" data-testid="monte-carlo-table">
            <caption>
              Monte Carlo: {mc.resamples.toLocaleString('en-US')} block-bootstrap resamples
              {mc.blockLength ? ` (mean block ${mc.blockLength} bars)` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Figure</th>
                {PERCENTILES.map((k) => (
                  <th key={k} scope="col">
                    {k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <PercentileRow label="Final return %" p={mc.finalReturn} reason={mc.reasons.finalReturn} />
              <PercentileRow label="Max drawdown %" p={mc.maxDrawdown} reason={mc.reasons.maxDrawdown} />
              <PercentileRow label="Sharpe ratio" p={mc.sharpe} reason={mc.reasons.sharpe} />
            </tbody>
          </table>
          <p className="hint">
            Probability of a loss {probability(mc.probabilityOfLoss)}; of a drawdown of {mc.drawdownThreshold} % or deeper{' '}
            {probability(mc.probabilityOfDrawdownBeyond)}.
          </p>
        </div>
        <div className="table-wrap">
          <table className="compare" data-testid="significance-table">
            <caption>Significance</caption>
            <tbody>
              <tr>
                <th scope="row">PSR (Sharpe &gt; 0)</th>
                <td>{p3(s.psr)}</td>
              </tr>
              <tr>
                <th scope="row">PSR vs buy &amp; hold</th>
                <td>{p3(s.psrVsBuyHold)}</td>
              </tr>
              <tr>
                <th scope="row" title={s.trialsSource}>
                  DSR ({s.trials} trial{s.trials === 1 ? '' : 's'})
                </th>
                <td>{p3(s.dsr)}</td>
              </tr>
              <tr>
                <th scope="row">Timing test p-value</th>
                <td>{p3(s.timingPValue)}</td>
              </tr>
            </tbody>
          </table>
          {s.reasons.length ? <p className="hint">{s.reasons.join(' ')}</p> : null}
        </div>
      </div>
      <div className="chart-grid">
        <div className="table-wrap">
          <table className="compare" data-testid="regime-table">
            <caption>Regimes (volatility terciles fitted on the {evaluation.regimeThresholds.source})</caption>
            <thead>
              <tr>
                {['Regime', 'Bars', 'Return %', 'Sharpe', 'Exposure %', 'Trades', 'Win %'].map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {evaluation.regimes.map((r) => (
                <tr key={r.regime} title={r.reason}>
                  <th scope="row">{r.regime}</th>
                  <td>{r.bars}</td>
                  <td className={r.totalReturn > 0 ? 'pos' : r.totalReturn < 0 ? 'neg' : ''}>{formatNumber(r.totalReturn)}</td>
                  <td>{r.sharpe === null ? '—' : formatNumber(r.sharpe)}</td>
                  <td>{r.exposure === null ? '—' : formatNumber(r.exposure)}</td>
                  <td>{r.trades}</td>
                  <td>{r.winRate === null ? '—' : formatNumber(r.winRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <figure className="chart-card" data-testid="regime-chart">
          <figcaption>Total return by regime (%)</figcaption>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={regimeData} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
              <CartesianGrid stroke="var(--chart-grid)" />
              <XAxis dataKey="regime" stroke={AXIS} interval={0} angle={-30} textAnchor="end" height={56} fontSize={11} />
              <YAxis stroke={AXIS} width={48} tickFormatter={(v: number) => v.toFixed(0)} />
              <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => `${Number(v).toFixed(2)} %`} />
              <Bar dataKey="totalReturn" name="total return" isAnimationActive={false}>
                {regimeData.map((d) => (
                  <Cell key={d.regime} fill={d.totalReturn >= 0 ? '#22c55e' : '#ef4444'} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
      {evaluation.notes.map((n) => (
        <p key={n} className="hint">
          {n}
        </p>
      ))}
    </div>
  );
}

function PercentileRow({ label, p, reason }: { label: string; p: Percentiles | null; reason?: string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      {p ? (
        PERCENTILES.map((k) => <td key={k}>{formatNumber(p[k])}</td>)
      ) : (
        <td colSpan={5} className="hint">
          {reason ?? '—'}
        </td>
      )}
    </tr>
  );
}
