import { useCallback, useMemo } from 'react';
import { usePortfolioStore, type PortfolioStatus } from '../../store/portfolioStore';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { columns, formatDuration, formatNumber, formatSteps, smooth } from '../charts/series';
import { useThrottledValue } from '../charts/useThrottledValue';
import { formatTime } from '../format';
import { WeightsChart } from './PortfolioResults';

const STATUS_TEXT: Record<PortfolioStatus, string> = {
  idle: 'not started',
  running: 'running',
  paused: 'paused',
  done: 'done',
  stopped: 'stopped (the best checkpoint so far was kept and tested)',
  failed: 'failed',
};

/** The progress line of the run under way (or the last one). */
export function PortfolioProgress() {
  const status = usePortfolioStore((s) => s.status);
  const progress = usePortfolioStore((s) => s.progress);
  const result = usePortfolioStore((s) => s.result);
  const timesteps = result?.timesteps ?? progress?.timesteps ?? 0;
  const total = progress?.totalTimesteps ?? result?.config.stop.totalTimesteps ?? 0;
  const fraction = total > 0 ? Math.min(1, timesteps / total) : 0;
  return (
    <div className="progress" data-testid="portfolio-progress" data-status={status} data-timesteps={timesteps}>
      <div className="progress-label">
        <span>
          Portfolio run: {STATUS_TEXT[status]}
          {total ? ` · ${formatSteps(timesteps)} of ${formatSteps(total)} steps` : ''}
        </span>
        <span>
          {progress ? `${progress.stepsPerSecond.toFixed(0)} steps/s · ${progress.episodes} episodes · ` : ''}
          ETA {status === 'running' && progress ? formatDuration(progress.etaMs) : '—'}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Portfolio training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}

const formatReward = (v: number) => String(Number(v.toPrecision(3)));
const formatRewardValue = (v: number) => v.toFixed(4);
const formatGrowth = (v: number) => v.toFixed(2);
const formatGrowthValue = (v: number) => `${v.toFixed(3)}×`;

/** Episode reward, the latest validation's equity against 1/N, and the weights it chose; redrawn at most every 500 ms. */
export function PortfolioLiveCharts({ intervalMs }: { intervalMs: number }) {
  const episodes = useThrottledValue(
    usePortfolioStore((s) => s.episodes),
    500,
  );
  const evaluation = useThrottledValue(
    usePortfolioStore((s) => s.evaluation),
    500,
    250,
  );
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const rewardSeries = useMemo((): CanvasSeries[] => {
    const raw = columns(episodes.timesteps, episodes.reward);
    const smoothed = columns(episodes.timesteps, smooth(episodes.reward, 0.9));
    return [
      { name: 'reward (raw)', colour: 'var(--accent)', ...raw, opacity: 0.3, lineWidth: 1, hideInTooltip: true },
      { name: 'reward', colour: 'var(--accent)', ...smoothed, lineWidth: 2 },
    ];
  }, [episodes]);
  const equitySeries = useMemo(
    (): CanvasSeries[] =>
      evaluation
        ? [
            { name: 'model', colour: 'var(--accent)', xs: evaluation.time, ys: evaluation.equity, lineWidth: 2 },
            { name: '1/N held', colour: 'var(--chart-line)', xs: evaluation.time, ys: evaluation.equalWeight, dash: [6, 3] },
          ]
        : [],
    [evaluation],
  );
  const count = episodes.reward.length;
  return (
    <div className="chart-grid">
      <figure className="chart-card" data-testid="portfolio-chart-reward" data-points={count}>
        <figcaption>
          Episode reward (raw and smoothed) by timestep
          {count === 0 ? <span className="empty"> (waiting for data…)</span> : null}
        </figcaption>
        <CanvasLineChart
          series={rewardSeries}
          height={200}
          formatX={formatSteps}
          formatY={formatReward}
          formatValue={formatRewardValue}
          label={`Episode reward by timestep: ${count} episodes${count ? `, latest ${formatRewardValue(episodes.reward[count - 1])}` : ''}`}
        />
      </figure>
      <figure className="chart-card" data-testid="portfolio-chart-validation" data-points={evaluation?.time.length ?? 0}>
        <figcaption>
          Validation: growth of 1, model against 1/N held
          {evaluation
            ? ` (update ${evaluation.update}: ${formatNumber(evaluation.totalReturn)} % vs ${formatNumber(evaluation.equalWeightReturn)} %${evaluation.isBest ? ', best so far' : ''})`
            : ''}
          {evaluation ? null : <span className="empty"> (waiting for the first validation…)</span>}
        </figcaption>
        <CanvasLineChart
          series={equitySeries}
          height={200}
          formatX={formatX}
          formatY={formatGrowth}
          formatValue={formatGrowthValue}
          label={
            evaluation
              ? `Validation at update ${evaluation.update}: model ${formatNumber(evaluation.totalReturn)} %, 1/N held ${formatNumber(evaluation.equalWeightReturn)} %`
              : 'No validation yet'
          }
        />
      </figure>
      {evaluation ? (
        <WeightsChart
          view={evaluation}
          intervalMs={intervalMs}
          testId="portfolio-live-weights"
          title="Validation: weights chosen (stacked)"
        />
      ) : null}
    </div>
  );
}
