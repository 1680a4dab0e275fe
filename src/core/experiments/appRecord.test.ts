import { describe, expect, it } from 'vitest';
import {
  buildRunRecord,
  configValue,
  downsampleCurve,
  parseRunLines,
  RunCurveRecorder,
  serializeRunLines,
  type RunRecordInput,
} from './appRecord';
import { CURVE_POINT_BUDGET, type RunRecord } from './types';
import type { ProgressEvent } from '../ppo/trainer';
import type { EvaluationEvent } from '../workflow/checkpointSelection';
import type { EpisodeStats } from '../env/tradingEnv';
import type { BacktestMetrics } from '../backtest/types';

function progress(update: number, timesteps: number): ProgressEvent {
  return {
    update,
    timesteps,
    totalTimesteps: 1000,
    episodes: update,
    elapsedMs: 1,
    etaMs: 1,
    stepsPerSecond: 1,
    meanEpisodeReward: null,
    diagnostics: { policyLoss: -update, valueLoss: update, entropy: 1, approxKl: 0.01, learningRate: 3e-4 },
  } as unknown as ProgressEvent;
}

function evaluation(update: number, sharpe: number | null, isBest: boolean): EvaluationEvent {
  return {
    update,
    timesteps: update * 10,
    isBest,
    selection: { score: sharpe ?? -1, basis: 'daily Sharpe', trades: 3 },
    result: {
      time: Float64Array.from([1, 2, 3]),
      equity: Float64Array.from([100, 101 + update, 99]),
      metrics: { sharpe, totalReturn: update } as BacktestMetrics,
    },
  } as unknown as EvaluationEvent;
}

function input(recorder: RunCurveRecorder, over: Partial<RunRecordInput> = {}): RunRecordInput {
  return {
    id: 'run-1',
    name: 'maskable on a.csv',
    source: 'app',
    createdAt: new Date('2026-01-02T03:04:05Z'),
    config: { variant: 'maskable', ppo: { learningRate: 3e-4 } },
    data: { fileName: 'a.csv', columns: ['close'], rows: 10, firstTime: 0, lastTime: 9, intervalMs: 1, closeHash: 'abc' },
    backend: 'cpu',
    threads: 1,
    wallTimeMs: 1234,
    timesteps: 30,
    updates: 3,
    episodes: 2,
    stopReason: 'timesteps',
    recorder,
    validation: { sharpe: 1.5, totalReturn: 2 } as BacktestMetrics,
    test: null,
    ...over,
  };
}

describe('run records from an app run', () => {
  it('records each curve from the events, the best checkpoint and the final metrics', () => {
    const r = new RunCurveRecorder();
    r.onProgress(progress(1, 10));
    r.onEpisode({ totalReward: 0.5 } as EpisodeStats, 12);
    r.onProgress(progress(2, 20));
    r.onEvaluation(evaluation(2, 0.7, true));
    r.onEvaluation(evaluation(3, null, false));
    const record = buildRunRecord(input(r));
    const curve = (name: string) => record.curves.find((c) => c.name === name);
    expect(curve('policyLoss')).toEqual({ name: 'policyLoss', x: [10, 20], y: [-1, -2] });
    expect(curve('episodeReward')).toEqual({ name: 'episodeReward', x: [12], y: [0.5] });
    // A Sharpe that is undefined for a checkpoint is kept as a gap, not as zero.
    expect(curve('validationSharpe')).toEqual({ name: 'validationSharpe', x: [20, 30], y: [0.7, null] });
    expect(curve('validationReturn')?.y).toEqual([2, 3]);
    expect(record.validationEquity).toEqual({ name: 'validationEquity', x: [1, 2, 3], y: [100, 103, 99] });
    expect(record.best).toEqual({ update: 2, score: 0.7, basis: 'daily Sharpe' });
    expect(record.final).toEqual({ validation: { sharpe: 1.5, totalReturn: 2 }, test: null });
    expect(record).toMatchObject({
      kind: 'single',
      source: 'app',
      sweep: null,
      createdAt: '2026-01-02T03:04:05.000Z',
      modelId: null,
      error: null,
    });
    expect(record.data).toEqual({ fileName: 'a.csv', rows: 10, firstTime: 0, lastTime: 9, intervalMs: 1, closeHash: 'abc' });
  });

  it('cuts a long curve to the point budget, keeping its extremes', () => {
    const n = 50_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => (i === 31_337 ? 1e6 : Math.sin(i / 100)));
    const curve = downsampleCurve('episodeReward', x, y);
    expect(curve.x.length).toBeLessThanOrEqual(CURVE_POINT_BUDGET);
    expect(curve.x.length).toBeGreaterThan(CURVE_POINT_BUDGET / 2);
    expect(curve.y).toContain(1e6);
    expect(curve.x[0]).toBe(0);
    expect(curve.x[curve.x.length - 1]).toBe(n - 1);
  });

  it('records a failed run with its error and no final metrics', () => {
    const r = new RunCurveRecorder();
    const record = buildRunRecord(input(r, { stopReason: 'failed', validation: null, error: 'out of memory' }));
    expect(record).toMatchObject({ stopReason: 'failed', error: 'out of memory', best: null, curves: [], validationEquity: null });
  });

  it('reads a config value by dotted path', () => {
    expect(configValue({ ppo: { learningRate: 0.001 } }, 'ppo.learningRate')).toBe(0.001);
    expect(configValue({ ppo: {} }, 'ppo.clipRange')).toBeUndefined();
    expect(configValue({ ppo: 3 }, 'ppo.clipRange.x')).toBeUndefined();
  });
});

describe('run records as JSON lines', () => {
  const record = (id: string): RunRecord => buildRunRecord(input(new RunCurveRecorder(), { id }));

  it('writes one record a line and reads them back unchanged', () => {
    const text = serializeRunLines([record('a'), record('b')]);
    expect(text.split('\n')).toHaveLength(3);
    expect(parseRunLines(text)).toEqual({ records: [record('a'), record('b')], errors: [] });
  });

  it('keeps the good lines and reports each bad one by its line number', () => {
    const { version: _v, ...noVersion } = record('c');
    const text = [JSON.stringify(record('a')), '', '{not json', JSON.stringify(noVersion), JSON.stringify(record('b')), '42'].join('\n');
    const parsed = parseRunLines(text);
    expect(parsed.records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(parsed.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^not valid JSON/) },
      { line: 4, message: expect.stringMatching(/^not a run record \(version: /) },
      { line: 6, message: expect.stringMatching(/^not a run record \(/) },
    ]);
  });

  it('reads a JSON array of records and a pretty-printed single record', () => {
    expect(parseRunLines(JSON.stringify([record('a'), { id: 'x' }], null, 2))).toEqual({
      records: [record('a')],
      errors: [{ line: 2, message: expect.stringMatching(/^not a run record/) }],
    });
    expect(parseRunLines(JSON.stringify(record('p'), null, 2)).records.map((r) => r.id)).toEqual(['p']);
  });
});
