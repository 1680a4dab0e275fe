import { useCallback, useMemo } from 'react';
import type { PortfolioBacktestView, PortfolioCompareRow } from '../../api/labClient';
import type { PortfolioBacktestSummary } from '../../core/workflow/portfolioView';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { WeightsAreaChart } from '../charts/WeightsAreaChart';
import { formatNumber } from '../charts/series';
import { formatTime } from '../format';
import { assetColour, weightColours } from './colours';

const formatGrowth = (v: number) => v.toFixed(2);
const formatGrowthValue = (v: number) => `${v.toFixed(3)}×`;

/** The model against the baselines, its portfolio metrics, and the equity and weights charts of one backtest. */
export function PortfolioBacktestResults({
  summary,
  intervalMs,
  title,
}: {
  summary: PortfolioBacktestSummary;
  intervalMs: number;
  title: string;
}) {
  const p = summary.portfolio;
  return (
    <div className="portfolio-results" data-testid="portfolio-results">
      <CompareTable rows={summary.compare} title={title} />
      <dl className="metrics" data-testid="portfolio-metrics">
        {(
          [
            ['Turnover', formatNumber(p.turnover), 'Σ|Δw| over every rebalance (1 = the whole equity traded once)'],
            ['Annual turnover', formatNumber(p.annualTurnover), 'Turnover per year'],
            ['Rebalances', String(p.rebalances), 'Bars at which the portfolio traded'],
            ['Average gross exposure', `${formatNumber(p.averageGross * 100, 1)} %`, 'Mean Σ|w| over the bars held'],
            ['Average net exposure', `${formatNumber(p.averageNet * 100, 1)} %`, 'Mean Σw over the bars held'],
            [
              'Concentration (HHI)',
              formatNumber(p.averageConcentration, 3),
              'Mean Herfindahl index of the weights: 1/N equal, 1 one asset',
            ],
          ] as const
        ).map(([label, value, help]) => (
          <div key={label} className="metric" title={help}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="hint" data-testid="portfolio-contributions">
        Contribution to return (Σ w·r per asset, before costs):{' '}
        {p.contributions.map((c) => `${c.asset} ${formatNumber(c.percent)} %`).join(', ')}
      </p>
      <div className="chart-grid">
        <EquityChart view={summary.view} intervalMs={intervalMs} />
        <WeightsChart view={summary.view} intervalMs={intervalMs} testId="weights-chart" title="Weights over time (assets and cash)" />
        <TurnoverChart view={summary.view} intervalMs={intervalMs} />
      </div>
    </div>
  );
}

function CompareTable({ rows, title }: { rows: PortfolioCompareRow[]; title: string }) {
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="portfolio-compare">
        <caption>{title}</caption>
        <thead>
          <tr>
            {['Run', 'Return %', 'Sharpe', 'Max DD %', 'Turnover'].map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label} data-label={r.label} data-role={r.role}>
              <th scope="row">{r.role === 'model' ? `Model: ${r.label}` : r.label}</th>
              <td className={r.totalReturn > 0 ? 'pos' : r.totalReturn < 0 ? 'neg' : ''}>{formatNumber(r.totalReturn)}</td>
              <td>{formatNumber(r.sharpe)}</td>
              <td>{formatNumber(r.maxDrawdown)}</td>
              <td>{formatNumber(r.turnover)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const formatTurnover = (y: number): string => formatNumber(y);

/** Turnover summed over the rebalances so far: its slope is how hard the model trades, its steps single big rebalances. */
function TurnoverChart({ view, intervalMs }: { view: PortfolioBacktestView; intervalMs: number }) {
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const series = useMemo<CanvasSeries[]>(
    () => [{ name: 'turnover', colour: 'var(--accent)', xs: view.time, ys: view.cumulativeTurnover, lineWidth: 2 }],
    [view],
  );
  const total = view.cumulativeTurnover[view.cumulativeTurnover.length - 1] ?? 0;
  return (
    <figure className="chart-card" data-testid="portfolio-turnover-chart" data-total={total}>
      <figcaption>Cumulative turnover (1 = the whole equity traded once)</figcaption>
      <CanvasLineChart
        series={series}
        height={160}
        formatX={formatX}
        formatY={formatTurnover}
        label={`Cumulative turnover over the backtest, ${formatNumber(total)} in all`}
      />
    </figure>
  );
}

function EquityChart({ view, intervalMs }: { view: PortfolioBacktestView; intervalMs: number }) {
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const series = useMemo(
    () =>
      view.lines.map((line, k): CanvasSeries => {
        const asset = view.assets.indexOf(line.name);
        return {
          name: line.role === 'model' ? 'model' : line.name,
          colour: line.role === 'model' ? 'var(--accent)' : line.role === 'equal-weight' ? 'var(--chart-line)' : assetColour(asset),
          xs: view.time,
          ys: line.values,
          lineWidth: line.role === 'model' ? 2.5 : 1.25,
          ...(line.role === 'equal-weight' ? { dash: k === 1 ? [6, 3] : [2, 3] } : {}),
          ...(line.role === 'asset' ? { opacity: 0.7 } : {}),
        };
      }),
    [view],
  );
  const last = (values: Float64Array) => formatGrowthValue(values[values.length - 1]);
  return (
    <figure className="chart-card" data-testid="portfolio-equity-chart" data-points={view.time.length} data-lines={view.lines.length}>
      <figcaption>Growth of 1: the model, 1/N (dashed) and each asset held</figcaption>
      <CanvasLineChart
        series={series}
        height={240}
        formatX={formatX}
        formatY={formatGrowth}
        formatValue={formatGrowthValue}
        label={`Growth of 1 over the backtest: ${view.lines.map((l) => `${l.role === 'model' ? 'model' : l.name} ${last(l.values)}`).join(', ')}`}
      />
      <ul className="legend">
        {series.map((s) => (
          <li key={s.name}>
            <span className="swatch" style={{ background: s.colour }} />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}

export function WeightsChart({
  view,
  intervalMs,
  testId,
  title,
}: {
  view: Pick<PortfolioBacktestView, 'assets' | 'time' | 'weights'>;
  intervalMs: number;
  testId: string;
  title: string;
}) {
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const names = useMemo(() => [...view.assets, 'cash'], [view.assets]);
  const colours = useMemo(() => weightColours(view.assets.length), [view.assets.length]);
  const width = names.length;
  const final = view.time.length
    ? names.map((n, j) => `${n} ${(view.weights[(view.time.length - 1) * width + j] * 100).toFixed(0)} %`)
    : [];
  return (
    <WeightsAreaChart
      xs={view.time}
      weights={view.weights}
      names={names}
      colours={colours}
      height={240}
      formatX={formatX}
      title={title}
      label={`${title}, stacked; at the end: ${final.join(', ')}`}
      testId={testId}
    />
  );
}
