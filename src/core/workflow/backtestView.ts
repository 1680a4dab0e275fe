import { drawdownSeries } from '../backtest/metrics';
import { describeAssumptions, type BacktestResult } from '../backtest/runner';
import type { SampleCheck } from './sampleCheck';
import type { BacktestMetrics, Trade } from '../backtest/types';
import { actionNames, HOLD } from '../env/tradingEnv';
import { downsampleIndices } from './downsample';

/** A backtest as the dashboard shows it: metrics, every trade, and chart series cut to a drawable size. */
export interface BacktestView {
  label: string;
  bars: number;
  metrics: BacktestMetrics;
  /** Costs, slippage and fills behind the numbers, in one line. */
  assumptions: string;
  /** Whether a model's backtest touched its training or selection bars (null for baselines). */
  sample: SampleCheck | null;
  trades: Trade[];
  /** How often each action of the model's set executed, in the set's order (Hold included). */
  orders: { action: string; count: number }[];
  chart: {
    time: Float64Array;
    equity: Float64Array;
    buyHold: Float64Array;
    /** Percent, ≤ 0. */
    drawdown: Float64Array;
    close: Float64Array;
  };
  /** Executed orders (at most maxMarkers, evenly thinned); side +1 where exposure rose (a buy), −1 where it fell. */
  markers: { time: Float64Array; price: Float64Array; side: Int8Array };
}

export function backtestView(
  result: BacktestResult & { sample?: SampleCheck },
  label: string,
  maxPoints = 2000,
  maxMarkers = 1000,
): BacktestView {
  const { equity, close, time, actions } = result;
  const drawdown = drawdownSeries(equity);
  // Pick points where either curve turns, so neither the price extremes nor the drawdown troughs vanish.
  const picked = new Set([...downsampleIndices(equity, maxPoints / 2), ...downsampleIndices(close, maxPoints / 2)]);
  const index = [...picked].sort((a, b) => a - b);
  const capital = equity[0];
  const first = close[0];

  const names = actionNames(result.assumptions.actionSet ?? 'basic');
  const counts = new Array<number>(names.length).fill(0);
  const decisions: number[] = [];
  for (let i = 0; i < actions.length; i++) {
    if (actions[i] < 0) continue;
    counts[actions[i]] += 1;
    if (actions[i] !== HOLD) decisions.push(i);
  }
  const exposure = result.exposure;
  const side = (i: number) => (exposure[i] >= (i > 0 ? exposure[i - 1] : 0) ? 1 : -1);
  const step = Math.max(1, Math.ceil(decisions.length / maxMarkers));
  const shown = decisions.filter((_, k) => k % step === 0);

  return {
    label,
    bars: equity.length,
    metrics: result.metrics,
    assumptions: describeAssumptions(result.assumptions),
    sample: result.sample ?? null,
    trades: result.trades,
    orders: names.map((action, a) => ({ action, count: counts[a] })),
    chart: {
      time: Float64Array.from(index, (i) => time[i]),
      equity: Float64Array.from(index, (i) => equity[i]),
      buyHold: Float64Array.from(index, (i) => (capital * close[i]) / first),
      drawdown: Float64Array.from(index, (i) => drawdown[i] * 100),
      close: Float64Array.from(index, (i) => close[i]),
    },
    markers: {
      time: Float64Array.from(shown, (i) => time[i]),
      price: Float64Array.from(shown, (i) => close[i]),
      side: Int8Array.from(shown, side),
    },
  };
}

export function backtestViewBuffers(view: BacktestView): ArrayBuffer[] {
  const c = view.chart;
  const m = view.markers;
  return [c.time, c.equity, c.buyHold, c.drawdown, c.close, m.time, m.price, m.side].map((a) => a.buffer as ArrayBuffer);
}
