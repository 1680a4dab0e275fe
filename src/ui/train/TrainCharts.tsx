import { memo, useCallback, useId, useMemo, useState } from 'react';
import { latestProgress, type EpisodeField, type ProgressField, type RunState } from '../../store/trainingStore';
import { columns, formatSteps, smooth, VARIANT_COLOURS } from '../charts/series';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { formatTime } from '../format';
import { useThrottledValue } from '../charts/useThrottledValue';

/** An HTML legend: cheaper than recharts' measured SVG legend on charts that redraw while training. */
function RunLegend({ runs, extra }: { runs: RunState[]; extra?: string }) {
  return (
    <ul className="legend">
      {extra ? (
        <li>
          <span className="swatch" style={{ background: 'var(--chart-line)' }} />
          {extra}
        </li>
      ) : null}
      {runs.map((r) => (
        <li key={r.key}>
          <span className="swatch" style={{ background: VARIANT_COLOURS[r.variant] }} />
          {r.variant}
        </li>
      ))}
    </ul>
  );
}

/** Re-render a chart only when the part of the runs it draws has changed. */
function sameRuns(field: 'episodes' | 'progress' | 'evaluation') {
  return (a: { runs: RunState[] }, b: { runs: RunState[] }) =>
    a.runs.length === b.runs.length && a.runs.every((r, i) => r.key === b.runs[i].key && r[field] === b.runs[i][field]);
}

function ChartFrame({ title, testId, count, children }: { title: string; testId: string; count: number; children: React.ReactNode }) {
  return (
    <figure className="chart-card" data-testid={testId} data-points={count}>
      <figcaption>
        {title}
        {count === 0 ? <span className="empty"> (waiting for data…)</span> : null}
      </figcaption>
      {children}
    </figure>
  );
}

// Number(…) drops toPrecision's trailing zeros: axis labels read -0.2, not -0.200.
const formatReward = (v: number) => String(Number(v.toPrecision(3)));
const formatRewardValue = (v: number) => v.toFixed(4);
const formatPercentAxis = (v: number) => `${v.toFixed(0)}%`;
const formatPercentValue = (v: number) => `${v.toFixed(2)}%`;

const RewardChartView = memo(function RewardChartView({ runs }: { runs: RunState[] }) {
  const [alpha, setAlpha] = useState(0.9);
  const id = useId();
  const series = useMemo(
    () =>
      runs.flatMap((r): CanvasSeries[] => {
        // Past HISTORY_CAPACITY episodes the kept ones are every stride-th, so the smoothing spans
        // `stride` times as many episodes there: the same trend, at a fixed cost.
        const timesteps = r.episodes.column('timesteps');
        const reward = r.episodes.column('reward');
        const raw = columns(timesteps, reward);
        const smoothed = columns(timesteps, smooth(reward, alpha));
        const colour = VARIANT_COLOURS[r.variant];
        return [
          { name: `${r.variant} (raw)`, colour, ...raw, opacity: 0.3, lineWidth: 1, hideInTooltip: true },
          { name: r.variant, colour, ...smoothed, lineWidth: 2 },
        ];
      }),
    [runs, alpha],
  );
  const count = runs.reduce((n, r) => n + r.episodes.seen, 0);
  return (
    <div>
      <ChartFrame title="Episode reward (raw and smoothed) by timestep" testId="chart-reward" count={count}>
        <CanvasLineChart
          series={series}
          height={220}
          formatX={formatSteps}
          formatY={formatReward}
          formatValue={formatRewardValue}
          label={`Episode reward by timestep: ${count} episodes${count ? `, latest ${formatRewardValue(lastEpisode(runs, 'reward'))}` : ''}`}
        />
      </ChartFrame>
      <RunLegend runs={runs} />
      <div className="slider">
        <label htmlFor={id}>Smoothing {alpha.toFixed(2)}</label>
        <input
          id={id}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={alpha}
          onChange={(e) => setAlpha(Number(e.target.value))}
          data-testid="reward-smoothing"
        />
      </div>
    </div>
  );
}, sameRuns('episodes'));

/** A field of the last episode of the last run that has one, for the charts' screen-reader labels. */
function lastEpisode(runs: RunState[], field: EpisodeField): number {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i].episodes.length > 0) return runs[i].episodes.latest(field);
  return NaN;
}

const DrawdownChartView = memo(function DrawdownChartView({ runs }: { runs: RunState[] }) {
  const series = useMemo(
    () =>
      runs.map((r): CanvasSeries => ({
        name: r.variant,
        colour: VARIANT_COLOURS[r.variant],
        ...columns(r.episodes.column('timesteps'), r.episodes.column('maxDrawdown')),
      })),
    [runs],
  );
  const count = runs.reduce((n, r) => n + r.episodes.seen, 0);
  return (
    <ChartFrame title="Episode max drawdown (%)" testId="chart-drawdown" count={count}>
      <CanvasLineChart
        series={series}
        height={220}
        formatX={formatSteps}
        formatY={formatPercentAxis}
        formatValue={formatPercentValue}
        label={`Episode max drawdown by timestep: ${count} episodes${count ? `, latest ${formatPercentValue(lastEpisode(runs, 'maxDrawdown'))}` : ''}`}
      />
    </ChartFrame>
  );
}, sameRuns('episodes'));

const DIAGNOSTICS: { key: ProgressField; title: string }[] = [
  { key: 'policyLoss', title: 'Policy loss' },
  { key: 'valueLoss', title: 'Value loss' },
  { key: 'entropy', title: 'Entropy' },
  { key: 'approxKl', title: 'Approx KL' },
  { key: 'clipFraction', title: 'Clip fraction' },
  { key: 'explainedVariance', title: 'Explained variance' },
];

/** One diagnostics chart at a time, chosen by tab. */
const DiagnosticsChartsView = memo(function DiagnosticsChartsView({ runs }: { runs: RunState[] }) {
  const [metric, setMetric] = useState<ProgressField>('policyLoss');
  const latest = latestProgress(runs.at(-1));
  return (
    <div className="diagnostics" data-testid="chart-diagnostics">
      <div role="tablist" aria-label="Training diagnostics" className="tabs">
        {DIAGNOSTICS.map((d) => (
          <button
            key={d.key}
            type="button"
            role="tab"
            aria-selected={metric === d.key}
            className={metric === d.key ? 'tab active' : 'tab'}
            onClick={() => setMetric(d.key)}
            data-testid={`tab-${d.key}`}
          >
            {d.title}
            {latest ? <span className="tab-value"> {Number(latest[d.key]).toPrecision(3)}</span> : null}
          </button>
        ))}
      </div>
      <DiagnosticChart runs={runs} metric={metric} title={DIAGNOSTICS.find((d) => d.key === metric)!.title} />
    </div>
  );
}, sameRuns('progress'));

const formatDiagnostic = (v: number) => String(Number(v.toPrecision(2)));
const formatDiagnosticValue = (v: number) => v.toPrecision(4);

function DiagnosticChart({ runs, metric, title }: { runs: RunState[]; metric: ProgressField; title: string }) {
  const series = useMemo(
    () =>
      runs.map((r): CanvasSeries => {
        const all = columns(r.progress.column('timesteps'), r.progress.column(metric));
        return { name: r.variant, colour: VARIANT_COLOURS[r.variant], ...all, dots: all.xs.length < 30 };
      }),
    [runs, metric],
  );
  const count = runs.reduce((n, r) => n + r.progress.seen, 0);
  return (
    <figure className="chart-card" data-testid={`chart-${metric}`} data-points={count}>
      <figcaption>{title}</figcaption>
      <CanvasLineChart
        series={series}
        height={180}
        formatX={formatSteps}
        formatY={formatDiagnostic}
        formatValue={formatDiagnosticValue}
        label={`${title} by timestep: ${count} updates${count ? `, latest ${formatDiagnosticValue(Number(latestProgress(runs.at(-1))?.[metric]))}` : ''}`}
      />
    </figure>
  );
}

const formatEquity = (v: number) => v.toFixed(0);
const formatEquityValue = (v: number) => v.toFixed(2);

const ValidationEquityChartView = memo(function ValidationEquityChartView({ runs, intervalMs }: { runs: RunState[]; intervalMs: number }) {
  const withEval = useMemo(() => runs.filter((r) => r.evaluation), [runs]);
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const series = useMemo(() => {
    if (!withEval.length) return [];
    const first = withEval[0].evaluation!.curve;
    const buyHold: CanvasSeries = {
      name: 'buy & hold',
      colour: 'var(--chart-line)',
      ...columns(first.time, first.buyHold),
      dash: [4, 3],
      lineWidth: 1.5,
    };
    return [
      buyHold,
      ...withEval.map((r): CanvasSeries => {
        const c = r.evaluation!.curve;
        return {
          name: `${r.variant} @ ${formatSteps(r.evaluation!.timesteps)}`,
          colour: VARIANT_COLOURS[r.variant],
          ...columns(c.time, c.equity),
          lineWidth: 2,
        };
      }),
    ];
  }, [withEval]);
  const count = withEval.length ? withEval[0].evaluation!.curve.time.length : 0;
  return (
    <div>
      <ChartFrame title="Validation equity (latest evaluation) vs buy & hold" testId="chart-equity" count={count}>
        <CanvasLineChart
          series={series}
          height={220}
          formatX={formatX}
          formatY={formatEquity}
          formatValue={formatEquityValue}
          label={
            withEval.length
              ? `Validation equity: ${withEval.map((r) => `${r.variant} ends at ${formatEquityValue(r.evaluation!.curve.equity.at(-1) ?? NaN)}`).join(', ')}; buy & hold ends at ${formatEquityValue(withEval[0].evaluation!.curve.buyHold.at(-1) ?? NaN)}`
              : 'Validation equity: no evaluation yet'
          }
        />
      </ChartFrame>
      <RunLegend runs={withEval} extra="buy & hold (dashed)" />
    </div>
  );
}, sameRuns('evaluation'));

/** Redraws at most once a second, in its own task. */
export function RewardChart({ runs }: { runs: RunState[] }) {
  const shown = useThrottledValue(runs, 1000, 0);
  return <RewardChartView runs={shown} />;
}

/** Redraws at most once a second, in its own task. */
export function DrawdownChart({ runs }: { runs: RunState[] }) {
  const shown = useThrottledValue(runs, 1000, 150);
  return <DrawdownChartView runs={shown} />;
}

/** Redraws at most once a second, in its own task. */
export function DiagnosticsCharts({ runs }: { runs: RunState[] }) {
  const shown = useThrottledValue(runs, 1000, 300);
  return <DiagnosticsChartsView runs={shown} />;
}

/** Redraws at most once a second, in its own task. */
export function ValidationEquityChart({ runs, intervalMs }: { runs: RunState[]; intervalMs: number }) {
  const shown = useThrottledValue(runs, 1000, 450);
  return <ValidationEquityChartView runs={shown} intervalMs={intervalMs} />;
}
