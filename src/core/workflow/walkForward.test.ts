import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import type { Bars } from '../data/bars';
import type { BacktestResult } from '../backtest/runner';
import { resolveTrainingConfig, type TrainingOverrides } from '../ppo/config';
import { backtestModel, prepareForTraining } from './session';
import { stitchTestCurves } from './stitch';
import { planWalkForward, runWalkForward, spreadOf, summariseWalkForward, WalkForwardControl } from './walkForward';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny: TrainingOverrides = {
  variant: 'maskable',
  env: { lookback: 8, numEnvs: 2, episodeLength: 50 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 3 },
  eval: { everyUpdates: 1, minTrades: 0 },
};

async function sample(bars: number, seed: number) {
  return importCsv(barsToCsv(generateSampleBars({ bars, seed })), { fileName: 'wf.csv' });
}

/** A copy of the bars with every price and volume from bar `from` on replaced by other values. */
function scrambledFrom(bars: Bars, from: number): Bars {
  const copy = (a: Float64Array) => {
    const out = Float64Array.from(a);
    for (let t = from; t < out.length; t++) out[t] = a[t] * (1.5 + Math.sin(t));
    return out;
  };
  return {
    time: bars.time,
    open: copy(bars.open),
    high: copy(bars.high),
    low: copy(bars.low),
    close: copy(bars.close),
    volume: bars.volume ? copy(bars.volume) : null,
  };
}

describe('walk-forward training data', () => {
  it("fits each fold's scaler and regimes on its training range only", async () => {
    const { bars, report } = await sample(900, 3);
    const config = resolveTrainingConfig({ ...tiny, variant: 'enhanced-maskable' });
    const plan = planWalkForward(bars, report, config, { folds: 3 });
    const fold = plan.folds[0];
    const honest = prepareForTraining(bars, report, config, fold);
    const scrambled = prepareForTraining(scrambledFrom(bars, fold.train.end), report, config, fold);
    expect(scrambled.splits).toEqual({ train: fold.train, validation: fold.validation, test: fold.test });
    expect(scrambled.scaler).toEqual(honest.scaler);
    expect(scrambled.regimes).toEqual(honest.regimes);
    // The check has teeth: changing the last training bar does change the scaler.
    const touched = prepareForTraining(scrambledFrom(bars, fold.train.end - 1), report, config, fold);
    expect(touched.scaler).not.toEqual(honest.scaler);
  });
});

describe('stitchTestCurves', () => {
  const curve = (times: number[], equity: number[], position: number[]): BacktestResult =>
    ({
      time: Float64Array.from(times),
      close: Float64Array.from(times, (t) => 100 + t),
      equity: Float64Array.from(equity),
      position: Int8Array.from(position),
      trades: [
        {
          direction: 1,
          entryIndex: 0,
          exitIndex: 1,
          entryTime: times[0],
          exitTime: times[1],
          entryPrice: 1,
          exitPrice: 1,
          returnPct: 0,
          barsHeld: 1,
        },
      ],
    }) as unknown as BacktestResult;

  it('continues each fold from the previous final equity and counts a shared bar once', () => {
    const a = curve([0, 1, 2], [100, 110, 120], [1, 1, 0]);
    const b = curve([2, 3, 4], [100, 90, 105], [-1, 1, 0]);
    const s = stitchTestCurves([a, b]);
    expect(Array.from(s.time)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.equity)).toEqual([100, 110, 120, 108, 126]);
    // At the shared bar the second fold's position is the one held onward.
    expect(Array.from(s.position)).toEqual([1, 1, -1, 1, 0]);
    expect(s.foldStarts).toEqual([0, 2]);
    expect(s.trades.map((t) => t.entryIndex)).toEqual([0, 2]);
  });

  it('keeps the account flat across an embargo gap', () => {
    const s = stitchTestCurves([curve([0, 1], [100, 200], [1, 0]), curve([5, 6], [100, 50], [1, 0])]);
    expect(Array.from(s.time)).toEqual([0, 1, 5, 6]);
    expect(Array.from(s.equity)).toEqual([100, 200, 200, 100]);
    expect(Array.from(s.position)).toEqual([1, 0, 1, 0]);
  });
});

describe('spreadOf', () => {
  it('gives mean, sample std, min and max over the folds that have the figure', () => {
    expect(spreadOf([1, null, 3])).toEqual({ mean: 2, std: Math.SQRT2, min: 1, max: 3, n: 2 });
    expect(spreadOf([null])).toEqual({ mean: null, std: null, min: null, max: null, n: 0 });
  });
});

describe('runWalkForward', () => {
  it('trains a fresh agent per fold and stitches the test slices into one out-of-sample curve', async () => {
    const { bars, report } = await sample(700, 4);
    const progress: number[] = [];
    const result = await runWalkForward(
      bars,
      report,
      tiny,
      { folds: 2, name: 'wf' },
      { onProgress: (p) => progress.push(p.overallProgress) },
    );
    expect(result.folds).toHaveLength(2);
    expect(result.stopped).toBe(false);
    expect(result.folds.map((f) => f.seed)).toEqual([1, 2]);
    expect(result.folds.map((f) => f.bundle.config.seed)).toEqual([1, 2]);
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // One point per test decision across the folds, plus the starting point.
    const decisions = result.plan.folds.reduce((n, f) => n + (f.test.end - f.test.start - result.plan.lookback), 0);
    const stitched = result.stitched!;
    expect(stitched.curve.equity.length).toBe(1 + decisions);
    expect(stitched.curve.equity[stitched.curve.equity.length - 1]).toBeCloseTo(
      result.folds.reduce((e, f) => e * (f.test.metrics.finalEquity / f.test.equity[0]), result.folds[0].test.equity[0]),
      6,
    );
    const trials = result.folds.reduce((n, f) => n + f.bundle.training.selection!.evaluations, 0);
    expect(stitched.significance.trials).toBe(trials);

    const summary = summariseWalkForward(result, bars);
    const json = JSON.parse(JSON.stringify(summary));
    expect(json.folds).toHaveLength(2);
    for (const fold of json.folds) {
      expect(Object.keys(fold.train)).toEqual(['start', 'end', 'bars', 'firstTime', 'lastTime']);
      expect(typeof fold.test.firstTime).toBe('string');
      expect(typeof fold.metrics.totalReturn).toBe('number');
    }
    expect(Object.keys(json.stitched.significance).sort()).toEqual([
      'dsr',
      'psr',
      'psrVsBuyHold',
      'reasons',
      'significant',
      'timingPValue',
      'trials',
      'verdict',
    ]);
    expect(typeof json.stitched.significance.verdict).toBe('string');
    expect(json.stitched.bars).toBe(1 + decisions);
    expect(Object.keys(json.spread)).toEqual(['totalReturn', 'sharpe']);

    // A fold's model backtests on its own test slice, not the ratio cut.
    const again = await backtestModel(result.folds[1].bundle, bars, report, 'test');
    expect(again.startIndex).toBe(result.folds[1].test.startIndex);
    expect(again.metrics.totalReturn).toBeCloseTo(result.folds[1].test.metrics.totalReturn, 10);
  });

  it('stops between folds and keeps the folds that finished', async () => {
    const { bars, report } = await sample(700, 4);
    const control = new WalkForwardControl();
    const result = await runWalkForward(
      bars,
      report,
      { ...tiny, stop: { totalTimesteps: 64 } },
      { folds: 3, control },
      { onFoldEnd: () => control.stop() },
    );
    expect(result.folds).toHaveLength(1);
    expect(result.stopped).toBe(true);
    expect(result.stitched?.curve.equity.length).toBe(result.folds[0].test.equity.length);
  });
});
