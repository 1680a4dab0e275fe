import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { importCsv } from '../data';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import { trainModel } from '../workflow/session';
import type { TrainingOverrides } from '../ppo/config';
import {
  downsampleCurve,
  failedRunRecord,
  parseRunRecord,
  parseRunsJsonl,
  RunRecordError,
  runRecordFromTraining,
  runRecordsToJsonl,
  TrainingCurveRecorder,
} from './runRecord';
import { CURVE_POINT_BUDGET, type RunRecord } from './types';

const tiny: TrainingOverrides = {
  variant: 'maskable',
  env: { lookback: 8, numEnvs: 2, episodeLength: 40 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 3 },
  eval: { everyUpdates: 1, minTrades: 0 },
};

const who = {
  id: 'sweep-00000000-1',
  name: 'trial 1',
  source: 'sweep' as const,
  createdAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
  sweep: { id: 'sweep-00000000', trial: 1, parameters: { 'ppo.learningRate': 0.001 } },
};

async function trainedRecord(): Promise<RunRecord> {
  await tf.setBackend('cpu');
  const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 500, seed: 3 })), { fileName: 'rr.csv' });
  const recorder = new TrainingCurveRecorder();
  const outcome = await trainModel(bars, report, tiny, 'rr', {
    onProgress: recorder.onProgress,
    onEpisode: recorder.onEpisode,
    onEvaluation: recorder.onEvaluation,
  });
  return runRecordFromTraining(who, outcome, recorder.curves());
}

describe('runRecordFromTraining', () => {
  it('records a finished run: counters, curves, the kept checkpoint and the test metrics', async () => {
    const record = await trainedRecord();
    expect(record).toMatchObject({
      format: 'ppo-trading-lab/run',
      id: 'sweep-00000000-1',
      kind: 'single',
      source: 'sweep',
      createdAt: '2025-01-02T03:04:05.000Z',
      sweep: who.sweep,
      backend: 'cpu',
      threads: 1,
      timesteps: 192,
      updates: 3,
      stopReason: 'timesteps',
      modelId: null,
      error: null,
    });
    expect(record.data).toMatchObject({ fileName: 'rr.csv', rows: 500 });
    expect((record.config as { ppo: { numSteps: number } }).ppo.numSteps).toBe(32);
    const names = record.curves.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['policyLoss', 'entropy', 'validationSharpe', 'validationReturn']));
    // One point per update for the update curves, at its timesteps.
    expect(record.curves.find((c) => c.name === 'entropy')!.x).toEqual([64, 128, 192]);
    expect(record.best).not.toBeNull();
    expect(record.validationEquity!.x.length).toBeGreaterThan(10);
    expect(typeof record.final.validation!.sharpe === 'number' || record.final.validation!.sharpe === null).toBe(true);
    expect(record.final.test).not.toBeNull();
    // What the file holds reads back as the same record.
    expect(parseRunRecord(JSON.stringify(record))).toEqual(record);
  });
});

describe('downsampleCurve', () => {
  it('keeps a short curve whole and turns NaN into null', () => {
    expect(downsampleCurve('c', [1, 2, 3], [0.5, Number.NaN, 2])).toEqual({ name: 'c', x: [1, 2, 3], y: [0.5, null, 2] });
  });

  it('cuts a long curve to the budget, keeping its extremes', () => {
    const n = 50_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i === 31_337 ? 1e6 : Math.sin(i / 100)));
    const curve = downsampleCurve('long', x, y);
    expect(curve.x.length).toBeLessThanOrEqual(CURVE_POINT_BUDGET);
    expect(curve.y).toContain(1e6);
    expect(curve.x[0]).toBe(0);
    expect(curve.x[curve.x.length - 1]).toBe(n - 1);
  });
});

describe('run records as files', () => {
  const failed = failedRunRecord(who, {
    config: { ppo: { learningRate: 0.001 } },
    data: { fileName: 'rr.csv', rows: 10, firstTime: 0, lastTime: 9, intervalMs: 1, closeHash: 'ab' },
    backend: 'wasm',
    wallTimeMs: 12,
    error: 'Invalid setting config.ppo.minibatchSize: too large.',
  });

  it('records a failed run with its error and no metrics', () => {
    expect(failed).toMatchObject({
      error: 'Invalid setting config.ppo.minibatchSize: too large.',
      stopReason: 'error',
      timesteps: 0,
      best: null,
    });
    expect(failed.final).toEqual({ validation: null, test: null });
  });

  it('round-trips JSON lines, one record a line', () => {
    const second = { ...failed, id: 'other', sweep: { ...failed.sweep!, trial: 2 } };
    const text = runRecordsToJsonl([failed, second]);
    expect(text.split('\n')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseRunsJsonl(text + '\n\n')).toEqual([failed, second]);
    expect(runRecordsToJsonl([])).toBe('');
  });

  it('names the line and the field of a bad record', () => {
    const good = JSON.stringify(failed);
    const bad = JSON.stringify({ ...failed, threads: 0 });
    expect(() => parseRunsJsonl(`${good}\n${bad}\n`)).toThrow(/runs.jsonl line 2 is not a run record: threads:/);
    try {
      parseRunsJsonl(`${good}\n\n{oops\n`, 'x.jsonl');
    } catch (error) {
      expect(error).toBeInstanceOf(RunRecordError);
      expect((error as RunRecordError).row).toBe(3);
      expect((error as Error).message).toMatch(/^x.jsonl line 3 is not valid JSON/);
    }
    expect(() => parseRunRecord('{"format": "ppo-trading-lab/run"}', 'result-3.json')).toThrow(
      /^result-3.json is not a run record: version:/,
    );
    expect(() => parseRunRecord('nope', 'result-3.json')).toThrow(/result-3.json is not valid JSON/);
  });
});
