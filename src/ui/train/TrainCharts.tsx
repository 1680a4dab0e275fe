import { memo, useId, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunState } from '../../store/trainingStore';
import type { ProgressPoint } from '../../core/workflow/trainingStream';
import { formatSteps, points, smooth, VARIANT_COLOURS, type Point } from '../charts/series';
import { formatTime } from '../format';
import { useThrottledValue } from '../charts/useThrottledValue';

const AXIS = '#94a3b8';
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' };

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

function ChartFrame({ title, testId, count, children }: { title: string; testId: string; count: number; children: React.ReactElement }) {
  // The chart is mounted even before data arrives, so its first (costly) mount happens at page load
  // rather than while training streams in.
  return (
    <figure className="chart-card" data-testid={testId} data-points={count}>
      <figcaption>
        {title}
        {count === 0 ? <span className="empty"> (waiting for data…)</span> : null}
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        {children}
      </ResponsiveContainer>
    </figure>
  );
}

const RewardChartView = memo(function RewardChartView({ runs }: { runs: RunState[] }) {
  const [alpha, setAlpha] = useState(0.9);
  const id = useId();
  const series = useMemo(
    () =>
      runs.map((r) => ({
        run: r,
        raw: points(r.episodes.timesteps, r.episodes.reward),
        smoothed: points(r.episodes.timesteps, smooth(r.episodes.reward, alpha)),
      })),
    [runs, alpha],
  );
  const count = runs.reduce((n, r) => n + r.episodes.reward.length, 0);
  return (
    <div>
      <ChartFrame title="Episode reward (raw and smoothed) by timestep" testId="chart-reward" count={count}>
        <LineChart margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid stroke="var(--chart-grid)" />
          <XAxis interval={0} tickCount={6} dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={formatSteps} stroke={AXIS} allowDuplicatedCategory={false} />
          <YAxis interval={0} tickCount={5} stroke={AXIS} width={56} tickFormatter={(v: number) => v.toPrecision(3)} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(x) => `${formatSteps(Number(x))} steps`} formatter={(v) => Number(v).toFixed(4)} />
          {series.flatMap(({ run, raw, smoothed }) => [
            <Line key={`${run.key}-raw`} data={raw} dataKey="y" name={`${run.variant} (raw)`} stroke={VARIANT_COLOURS[run.variant]} strokeOpacity={0.3} dot={false} isAnimationActive={false} legendType="none" />,
            <Line key={`${run.key}-smooth`} data={smoothed} dataKey="y" name={run.variant} stroke={VARIANT_COLOURS[run.variant]} strokeWidth={2} dot={false} isAnimationActive={false} />,
          ])}
        </LineChart>
      </ChartFrame>
      <RunLegend runs={runs} />
      <div className="slider">
        <label htmlFor={id}>Smoothing {alpha.toFixed(2)}</label>
        <input id={id} type="range" min={0} max={0.99} step={0.01} value={alpha} onChange={(e) => setAlpha(Number(e.target.value))} data-testid="reward-smoothing" />
      </div>
    </div>
  );
}, sameRuns('episodes'));

const DrawdownChartView = memo(function DrawdownChartView({ runs }: { runs: RunState[] }) {
  const series = useMemo(() => runs.map((r) => ({ run: r, pts: points(r.episodes.timesteps, r.episodes.maxDrawdown) })), [runs]);
  const count = runs.reduce((n, r) => n + r.episodes.maxDrawdown.length, 0);
  return (
    <ChartFrame title="Episode max drawdown (%)" testId="chart-drawdown" count={count}>
      <LineChart margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis interval={0} tickCount={6} dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={formatSteps} stroke={AXIS} allowDuplicatedCategory={false} />
        <YAxis interval={0} tickCount={5} stroke={AXIS} width={56} tickFormatter={(v: number) => v.toFixed(0)} />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(x) => `${formatSteps(Number(x))} steps`} formatter={(v) => `${Number(v).toFixed(2)}%`} />
        {series.map(({ run, pts }) => (
          <Line key={run.key} data={pts} dataKey="y" name={run.variant} stroke={VARIANT_COLOURS[run.variant]} dot={false} isAnimationActive={false} />
        ))}
      </LineChart>
    </ChartFrame>
  );
}, sameRuns('episodes'));

const DIAGNOSTICS: { key: keyof ProgressPoint; title: string }[] = [
  { key: 'policyLoss', title: 'Policy loss' },
  { key: 'valueLoss', title: 'Value loss' },
  { key: 'entropy', title: 'Entropy' },
  { key: 'approxKl', title: 'Approx KL' },
  { key: 'clipFraction', title: 'Clip fraction' },
  { key: 'explainedVariance', title: 'Explained variance' },
];

/** One diagnostics chart at a time, chosen by tab: six live charts would cost six renders per batch. */
const DiagnosticsChartsView = memo(function DiagnosticsChartsView({ runs }: { runs: RunState[] }) {
  const [metric, setMetric] = useState<keyof ProgressPoint>('policyLoss');
  const latest = runs[runs.length - 1]?.progress.at(-1);
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

function DiagnosticChart({ runs, metric, title }: { runs: RunState[]; metric: keyof ProgressPoint; title: string }) {
  const series = useMemo(
    () => runs.map((r) => ({ run: r, pts: r.progress.map((p): Point => ({ x: p.timesteps, y: Number(p[metric]) })) })),
    [runs, metric],
  );
  const count = runs.reduce((n, r) => n + r.progress.length, 0);
  return (
    <figure className="chart-card" data-testid={`chart-${metric}`} data-points={count}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <XAxis interval={0} tickCount={6} dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={formatSteps} stroke={AXIS} allowDuplicatedCategory={false} fontSize={11} />
          <YAxis interval={0} tickCount={5} stroke={AXIS} width={48} fontSize={11} tickFormatter={(v: number) => v.toPrecision(2)} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(x) => `${formatSteps(Number(x))} steps`} formatter={(v) => Number(v).toPrecision(4)} />
          {series.map(({ run, pts }) => (
            <Line key={run.key} data={pts} dataKey="y" name={run.variant} stroke={VARIANT_COLOURS[run.variant]} dot={pts.length < 30} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

const ValidationEquityChartView = memo(function ValidationEquityChartView({ runs, intervalMs }: { runs: RunState[]; intervalMs: number }) {
  const withEval = runs.filter((r) => r.evaluation);
  const series = useMemo(
    () =>
      withEval.map((r) => {
        const c = r.evaluation!.curve;
        return { run: r, equity: Array.from(c.time, (t, i) => ({ x: t, y: c.equity[i] })), buyHold: Array.from(c.time, (t, i) => ({ x: t, y: c.buyHold[i] })) };
      }),
    [withEval],
  );
  return (
    <div>
    <ChartFrame title="Validation equity (latest evaluation) vs buy & hold" testId="chart-equity" count={withEval.length ? withEval[0].evaluation!.curve.time.length : 0}>
      <LineChart margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
        <CartesianGrid stroke="var(--chart-grid)" />
        <XAxis interval={0} tickCount={6} dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(t: number) => formatTime(t, intervalMs)} stroke={AXIS} allowDuplicatedCategory={false} />
        <YAxis interval={0} tickCount={5} stroke={AXIS} width={64} domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(0)} />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(t) => formatTime(Number(t), intervalMs)} formatter={(v) => Number(v).toFixed(2)} />
        {series.length ? <Line data={series[0].buyHold} dataKey="y" name="buy & hold" stroke="var(--chart-line)" strokeDasharray="4 3" dot={false} isAnimationActive={false} /> : null}
        {series.map(({ run, equity }) => (
          <Line key={run.key} data={equity} dataKey="y" name={`${run.variant} @ ${formatSteps(run.evaluation!.timesteps)}`} stroke={VARIANT_COLOURS[run.variant]} strokeWidth={2} dot={false} isAnimationActive={false} />
        ))}
      </LineChart>
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
