import type { EpisodeStats } from '../env/tradingEnv';
import type { ProgressEvent } from '../ppo/trainer';
import type { DataFingerprint } from '../model/bundle';
import type { BacktestMetrics } from '../backtest/types';
import type { EvaluationEvent } from '../workflow/checkpointSelection';
import { RUN_RECORD_FORMAT, RUN_RECORD_VERSION, runRecordSchema, type RunCurve, type RunRecord } from './types';

/**
 * The app's side of issue #20's run records: the curves a run's events trace, the record built from
 * them when the run ends, and records as JSON lines. The CLI's sweep engine builds the same record
 * from its own outcome (runRecord.ts); both validate against runRecordSchema.
 */

import { downsampleCurve, RUN_CURVE_NAMES, TrainingCurveRecorder, type RunCurveName } from './runRecord';

export { downsampleCurve, RUN_CURVE_NAMES, type RunCurveName };

/**
 * Listens to a training run's events (the same hooks the stream to the UI gets) and keeps what its
 * record needs: the curves (runRecord.ts's recorder, the CLI's too), the validation equity of the
 * checkpoint the run keeps, and where a run that fails had got to.
 */
export class RunCurveRecorder {
  private readonly recorder = new TrainingCurveRecorder();
  private bestEquity: RunCurve | null = null;
  private bestUpdate: { update: number; score: number; basis: string } | null = null;
  /** True once the trainer was built: a run that fails before has nothing worth recording. */
  started = false;
  /** Where the run stood at its last update, for the record of a run that failed. */
  last = { timesteps: 0, updates: 0, episodes: 0 };

  onProgress = (e: ProgressEvent): void => {
    this.last = { timesteps: e.timesteps, updates: e.update, episodes: e.episodes };
    this.recorder.onProgress(e);
  };

  onEpisode = (stats: EpisodeStats, timesteps: number): void => {
    this.recorder.onEpisode(stats, timesteps);
  };

  onEvaluation = (e: EvaluationEvent): void => {
    this.recorder.onEvaluation(e);
    if (e.isBest) {
      this.bestEquity = equityCurve(e.result.time, e.result.equity);
      this.bestUpdate = { update: e.update, score: e.selection.score, basis: e.selection.basis };
    }
  };

  /** Every curve with at least one point, downsampled to CURVE_POINT_BUDGET points. */
  curves(): RunCurve[] {
    return this.recorder.curves();
  }

  /** The validation equity of the best checkpoint seen, downsampled; null before any qualified. */
  validationEquity(): RunCurve | null {
    return this.bestEquity;
  }

  /** The best checkpoint's update and score, as seen in the events (the run's selection, when it ends normally). */
  best(): RunRecord['best'] {
    return this.bestUpdate;
  }
}

function equityCurve(time: Float64Array, equity: Float64Array): RunCurve {
  return downsampleCurve('validationEquity', time, equity);
}

/** What a run's record is built from: what the worker knows when the run ends, however it ends. */
export interface RunRecordInput {
  id: string;
  name: string;
  source: RunRecord['source'];
  sweep?: RunRecord['sweep'];
  createdAt: Date;
  config: object;
  data: DataFingerprint;
  backend: string;
  threads: number;
  wallTimeMs: number;
  timesteps: number;
  updates: number;
  episodes: number;
  stopReason: string;
  recorder: RunCurveRecorder;
  validation: BacktestMetrics | null;
  test: BacktestMetrics | null;
  /** The run's selection when it ended normally; otherwise the best the events showed is used. */
  best?: RunRecord['best'];
  modelId?: string | null;
  error?: string | null;
}

/** A run record from the end of an app run (done, stopped or failed), checked against the schema. */
export function buildRunRecord(input: RunRecordInput): RunRecord {
  const record: RunRecord = {
    format: RUN_RECORD_FORMAT,
    version: RUN_RECORD_VERSION,
    id: input.id,
    name: input.name.slice(0, 200),
    kind: 'single',
    source: input.source,
    createdAt: input.createdAt.toISOString(),
    sweep: input.sweep ?? null,
    config: structuredClone(input.config) as Record<string, unknown>,
    data: {
      fileName: input.data.fileName,
      rows: input.data.rows,
      firstTime: input.data.firstTime,
      lastTime: input.data.lastTime,
      intervalMs: input.data.intervalMs,
      closeHash: input.data.closeHash,
    },
    backend: input.backend,
    threads: input.threads,
    wallTimeMs: Math.max(0, input.wallTimeMs),
    timesteps: input.timesteps,
    updates: input.updates,
    episodes: input.episodes,
    stopReason: input.stopReason,
    curves: input.recorder.curves(),
    validationEquity: input.recorder.validationEquity(),
    final: { validation: metricsRecord(input.validation), test: metricsRecord(input.test) },
    best: input.best === undefined ? input.recorder.best() : input.best,
    modelId: input.modelId ?? null,
    error: input.error === undefined || input.error === null ? null : input.error.slice(0, 2000),
  };
  return runRecordSchema.parse(record);
}

function metricsRecord(metrics: BacktestMetrics | null): Record<string, unknown> | null {
  return metrics ? { ...metrics } : null;
}

/** A fresh run record id: time first, so ids sort by creation. */
export function newRunId(prefix = 'run'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Run records as JSON lines, one record a line (what export writes and the CLI's runs folder holds),
 * each checked by the schema and written with its fields in schema order.
 */
export function serializeRunLines(records: readonly RunRecord[]): string {
  return records.map((r) => JSON.stringify(runRecordSchema.parse(r))).join('\n') + (records.length ? '\n' : '');
}

/** A line (or array item) that is not a run record, and why. */
export interface RunLineError {
  /** 1-based line number in the file (item number for a JSON array). */
  line: number;
  message: string;
}

export interface ParsedRunLines {
  records: RunRecord[];
  errors: RunLineError[];
}

/**
 * Reads run records from JSON lines (a .runs.jsonl export, the CLI's runs folder, a sweep collect)
 * or from a JSON array or single record. Good records are kept; every bad one is reported with its
 * line number and the first problem the schema found.
 */
export function parseRunLines(text: string): ParsedRunLines {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(trimmed);
    } catch (error) {
      return { records: [], errors: [{ line: 1, message: `not valid JSON (${(error as Error).message})` }] };
    }
    return collect((items as unknown[]).map((value, i) => ({ line: i + 1, value, parseError: null })));
  }
  const lines = text.split(/\r?\n/);
  const items: { line: number; value: unknown; parseError: string | null }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    try {
      items.push({ line: i + 1, value: JSON.parse(line), parseError: null });
    } catch (error) {
      items.push({ line: i + 1, value: null, parseError: `not valid JSON (${(error as Error).message})` });
    }
  });
  // A pretty-printed single record spans many lines: read the whole text as one JSON value instead.
  if (items.length > 1 && items.every((item) => item.parseError !== null) && trimmed.startsWith('{')) {
    try {
      return collect([{ line: 1, value: JSON.parse(trimmed), parseError: null }]);
    } catch {
      // Not one JSON value either: report the lines as they are.
    }
  }
  return collect(items);
}

function collect(items: { line: number; value: unknown; parseError: string | null }[]): ParsedRunLines {
  const records: RunRecord[] = [];
  const errors: RunLineError[] = [];
  for (const { line, value, parseError } of items) {
    if (parseError !== null) {
      errors.push({ line, message: parseError });
      continue;
    }
    const parsed = runRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
      errors.push({ line, message: `not a run record (${where}${issue.message})` });
    }
  }
  return { records, errors };
}

/** A config value by dotted path ('ppo.learningRate'); undefined when the path is absent. */
export function configValue(config: Record<string, unknown>, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
