import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrainingStream, batchBuffers, type TrainingBatch } from './trainingStream';
import type { EpisodeStats } from '../env/tradingEnv';
import type { ProgressEvent } from '../ppo/trainer';

const episode = (totalReward: number): EpisodeStats => ({
  totalReward,
  return: 0.1,
  maxDrawdown: -0.05,
  trades: 2,
  bars: 10,
  terminated: false,
  marginCalls: 0,
  startIndex: 0,
  endIndex: 10,
});
const progress = (update: number): ProgressEvent => ({
  update,
  timesteps: update * 100,
  totalTimesteps: 1000,
  episodes: update,
  elapsedMs: 10,
  etaMs: 10,
  stepsPerSecond: 1000,
  threads: 1,
  meanEpisodeReward: 0.5,
  diagnostics: {
    policyLoss: 0.1,
    valueLoss: 0.2,
    entropy: 1,
    approxKl: 0.01,
    clipFraction: 0.1,
    explainedVariance: 0.3,
    learningRate: 3e-4,
    epochs: 4,
    gradientSteps: 32,
  },
});

describe('TrainingStream', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('sends at most one batch per interval and loses no event', () => {
    const batches: TrainingBatch[] = [];
    const stream = new TrainingStream(
      (b) => batches.push(b),
      100,
      () => clock,
    );
    stream.onEpisode(episode(1), 10); // first event goes out at once
    for (let i = 0; i < 50; i++) {
      clock += 1;
      stream.onEpisode(episode(i), 20 + i);
    }
    expect(batches).toHaveLength(1);
    clock = 100;
    vi.advanceTimersByTime(100);
    stream.onProgress(progress(1));
    clock = 250;
    vi.advanceTimersByTime(150);
    stream.close();
    const episodes = batches.reduce((n, b) => n + b.episodes.reward.length, 0);
    expect(episodes).toBe(51);
    expect(batches.flatMap((b) => b.progress.map((p) => p.update))).toEqual([1]);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches[0].episodes.maxDrawdown[0]).toBeCloseTo(-5, 5);
  });

  it('sends an evaluation at once, with a downsampled equity curve and buy & hold', () => {
    const batches: TrainingBatch[] = [];
    const stream = new TrainingStream(
      (b) => batches.push(b),
      100,
      () => clock,
    );
    stream.onEpisode(episode(1), 10);
    const n = 5000;
    const close = Float64Array.from({ length: n }, (_, i) => 100 + i / 100);
    stream.onEvaluation({
      update: 3,
      timesteps: 300,
      isBest: true,
      selection: { score: 1, basis: 'daily Sharpe', trades: 3 },
      result: {
        startIndex: 0,
        time: Float64Array.from({ length: n }, (_, i) => i),
        close,
        equity: Float64Array.from({ length: n }, () => 10_000),
        position: new Int8Array(n),
        exposure: new Float64Array(n),
        actions: new Int8Array(n),
        trades: [],
        metrics: {} as never,
        assumptions: {
          transactionCost: 0.001,
          slippageBps: 0,
          fillAt: 'nextOpen',
          positionFraction: 1,
          longOnly: false,
          riskFreeRate: 0,
          closedAtEnd: true,
        },
      },
    });
    expect(batches).toHaveLength(2);
    const curve = batches[1].evaluation!.curve;
    expect(curve.equity.length).toBeLessThanOrEqual(300);
    expect(curve.buyHold[0]).toBe(10_000);
    expect(curve.buyHold[curve.buyHold.length - 1]).toBeCloseTo((10_000 * close[n - 1]) / 100, 6);
    expect(batchBuffers(batches[1])).toHaveLength(7);
  });
});
