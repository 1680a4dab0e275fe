import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import type { TrainingOverrides } from '../ppo/config';
import { evaluateModel, testVerdict } from './evaluate';
import { trainModel } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny: TrainingOverrides = {
  variant: 'maskable',
  env: { lookback: 8, numEnvs: 2, episodeLength: 50 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 2 },
  eval: { everyUpdates: 1, minTrades: 0 },
};

const PERCENTILE_KEYS = ['p5', 'p25', 'p50', 'p75', 'p95'];

describe('evaluateModel', () => {
  it('judges a tiny model on its test split with the contract field names, JSON-safe', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 1500, seed: 7 })), { fileName: 'gen.csv' });
    const { bundle } = await trainModel(bars, report, tiny, 'tiny');
    const e = await evaluateModel(bundle, bars, report, { monteCarlo: { resamples: 100 }, timing: { retimings: 100 } });

    expect(e.split).toBe('test');
    expect(e.inSample).toBe(false);
    expect(e.sample.match).toBe('same data');
    expect(e.assumptions.transactionCost).toBe(bundle.config.env.transactionCost);
    expect(e.metrics.totalReturn).toEqual(expect.any(Number));
    for (const field of ['finalReturn', 'maxDrawdown', 'sharpe'] as const)
      expect(Object.keys(e.monteCarlo[field] ?? {})).toEqual(PERCENTILE_KEYS);
    expect(e.monteCarlo.method).toBe('blocks');
    expect(e.monteCarlo.probabilityOfLoss).toBeGreaterThanOrEqual(0);
    expect(e.monteCarlo.equityBands?.time[0]).toBe(Date.parse(e.firstTime));
    expect(e.monteCarloTrades.method).toBe('trades');
    expect(e.regimes).toHaveLength(3 + 2 + 6);
    for (const row of e.regimes)
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['regime', 'bars', 'totalReturn', 'sharpe', 'exposure', 'trades', 'winRate']),
      );
    expect(e.regimes.slice(0, 3).reduce((n, r) => n + r.bars, 0)).toBe(e.bars - 1);
    // A Maskable model saves no thresholds; on its own data they come from its training split.
    expect(e.regimeThresholds.source).toBe('training split');
    expect(Object.keys(e.significance)).toEqual(
      expect.arrayContaining(['psr', 'psrVsBuyHold', 'dsr', 'trials', 'timingPValue', 'verdict']),
    );
    expect(e.significance.trials).toBe(bundle.training.selection?.evaluations);
    expect(e.significance.trialsSource).toMatch(/checkpoints compared/);
    expect(e.significance.verdict).toMatch(/^Edge over buy & hold: (significant|not significant|undetermined)/);
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);

    // Other data: thresholds from the file's first 70 %, said in a note.
    const other = await importCsv(barsToCsv(generateSampleBars({ bars: 900, seed: 8 })), { fileName: 'other.csv' });
    const onOther = await evaluateModel(bundle, other.bars, other.report, {
      split: 'all',
      monteCarlo: { resamples: 50 },
      timing: { retimings: 50 },
    });
    expect(onOther.regimeThresholds.source).toBe('first 70 % of the file');
    expect(onOther.notes.join(' ')).toMatch(/first 70 % of other\.csv/);
    expect(onOther.inSample).toBe(false);
  }, 60_000);

  it("deflates a compared run's verdict by its checkpoints plus the runs compared", async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 1500, seed: 7 })), { fileName: 'gen.csv' });
    const { bundle } = await trainModel(bars, report, tiny, 'tiny');
    const evaluations = bundle.training.selection?.evaluations ?? 0;
    const compared = await testVerdict(bundle, bars, report, 3);
    expect(compared.trials).toBe(evaluations + 3);
    expect(compared.trialsSource).toBe(
      `DSR trials ${evaluations + 3} = ${evaluations} checkpoints compared in selection + 3 runs compared`,
    );
    expect(compared.text).toMatch(/^Edge over buy & hold: (significant|not significant|undetermined)/);
    const alone = await testVerdict(bundle, bars, report, 1);
    expect(alone.trials).toBe(Math.max(1, evaluations));
  }, 60_000);
});
