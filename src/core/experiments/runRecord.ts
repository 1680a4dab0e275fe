import type { EpisodeStats } from '../env/tradingEnv';
import type { BacktestMetrics } from '../backtest/types';
import type { DataFingerprint } from '../model/bundle';
import type { ProgressEvent } from '../ppo/trainer';
import type { EvaluationEvent } from '../workflow/checkpointSelection';
import { downsampleIndices } from '../workflow/downsample';
import type { TrainOutcome } from '../workflow/session';
import { CURVE_POINT_BUDGET, RUN_RECORD_FORMAT, RUN_RECORD_VERSION, runRecordSchema, type RunCurve, type RunRecord } from './types';

/**
 * Run records (issue #20) from a finished or failed training run, and run records as files: one
 * record a JSON file (a sweep trial's result-<i>.json) or one a line (runs.jsonl). Hosts collect the
 * curves with a TrainingCurveRecorder hooked to the session's events.
 */

/** A run record that cannot be read: which file or line, and the first field the schema refused. */
export class RunRecordError extends Error {
  override name = 'RunRecordError';
  constructor(
    message: string,
    readonly field?: string,
    readonly row?: number,
  ) {
    super(message);
  }
}

/** The curves a single-asset run records, by name; x is timesteps for each. */
export const RUN_CURVE_NAMES = [
  'episodeReward',
  'policyLoss',
  'valueLoss',
  'entropy',
  'approxKl',
  'learningRate',
  'validationSharpe',
  'validationReturn',
] as const;
export type RunCurveName = (typeof RUN_CURVE_NAMES)[number];

/**
 * Keeps a run's curves from its events (SessionEvents' onProgress, onEpisode, onEvaluation: pass the
 * methods as they are). Points are plain number arrays, one push per update, episode or evaluation.
 */
export class TrainingCurveRecorder {
  private readonly points = new Map<RunCurveName, { x: number[]; y: number[] }>(RUN_CURVE_NAMES.map((n) => [n, { x: [], y: [] }]));

  readonly onProgress = (e: ProgressEvent): void => {
    const d = e.diagnostics;
    this.add('policyLoss', e.timesteps, d.policyLoss);
    this.add('valueLoss', e.timesteps, d.valueLoss);
    this.add('entropy', e.timesteps, d.entropy);
    this.add('approxKl', e.timesteps, d.approxKl);
    this.add('learningRate', e.timesteps, d.learningRate);
  };

  readonly onEpisode = (stats: EpisodeStats, timesteps: number): void => {
    this.add('episodeReward', timesteps, stats.totalReward);
  };

  readonly onEvaluation = (e: EvaluationEvent): void => {
    this.add('validationSharpe', e.timesteps, e.result.metrics.sharpe ?? Number.NaN);
    this.add('validationReturn', e.timesteps, e.result.metrics.totalReturn);
  };

  /** Every curve with at least one point, each downsampled to CURVE_POINT_BUDGET points. */
  curves(): RunCurve[] {
    return [...this.points].filter(([, p]) => p.x.length > 0).map(([name, p]) => downsampleCurve(name, p.x, p.y));
  }

  private add(name: RunCurveName, x: number, y: number): void {
    const p = this.points.get(name)!;
    p.x.push(x);
    p.y.push(y);
  }
}

/**
 * A curve cut to at most `budget` points with downsample.ts (first, lowest, highest and last of each
 * bucket); NaN and ±∞ become null, and are picked on as 0 so they do not pose as extremes.
 */
export function downsampleCurve(name: string, x: ArrayLike<number>, y: ArrayLike<number>, budget = CURVE_POINT_BUDGET): RunCurve {
  const stand = Float64Array.from({ length: y.length }, (_, i) => (Number.isFinite(y[i]) ? y[i] : 0));
  const keep = downsampleIndices(stand, budget);
  return { name, x: keep.map((i) => x[i]), y: keep.map((i) => (Number.isFinite(y[i]) ? y[i] : null)) };
}

/** Who a run is and where it came from; the rest of its record comes from its outcome. */
export interface RunIdentity {
  id: string;
  name: string;
  source: RunRecord['source'];
  createdAt: Date;
  sweep?: RunRecord['sweep'];
  /** Threads the backend trained with (tfjs's WASM backend runs one in Node). */
  threads?: number;
  modelId?: string | null;
}

/**
 * The record of a finished single-asset run from what trainModel returned (session.ts's
 * TrainOutcome) and the curves recorded on the way. Counters and stop reason describe the whole
 * run; metrics, validation equity and `best` are the kept checkpoint's. Checked against the schema.
 */
export function runRecordFromTraining(
  who: RunIdentity,
  outcome: Pick<TrainOutcome, 'bundle' | 'summary' | 'test'>,
  curves: readonly RunCurve[],
): RunRecord {
  const { bundle, summary } = outcome;
  const best = summary.bestValidation;
  return checkedRecord({
    ...header(who),
    config: structuredClone(bundle.config) as unknown as Record<string, unknown>,
    data: dataOf(bundle.data),
    backend: summary.backend,
    wallTimeMs: Math.max(0, summary.wallTimeMs),
    timesteps: summary.timesteps,
    updates: summary.updates,
    episodes: summary.episodes,
    stopReason: summary.stopReason,
    curves: [...curves],
    validationEquity: best ? downsampleCurve('validationEquity', best.result.time, best.result.equity) : null,
    final: { validation: metricsRecord(best?.result.metrics ?? null), test: metricsRecord(outcome.test?.metrics ?? null) },
    best: best ? { update: best.update, score: best.selection.score, basis: best.selection.basis } : null,
    error: null,
  });
}

/** What is known of a run that failed: its config, its data, how far it got, and why it failed. */
export interface FailedRun {
  config: object;
  data: Pick<DataFingerprint, 'fileName' | 'rows' | 'firstTime' | 'lastTime' | 'intervalMs' | 'closeHash'>;
  backend: string;
  wallTimeMs: number;
  error: string;
  curves?: readonly RunCurve[];
}

/** The record of a run that failed (error set, no metrics), so a sweep's collect can report it. */
export function failedRunRecord(who: RunIdentity, run: FailedRun): RunRecord {
  return checkedRecord({
    ...header(who),
    config: structuredClone(run.config) as Record<string, unknown>,
    data: dataOf(run.data),
    backend: run.backend,
    wallTimeMs: Math.max(0, run.wallTimeMs),
    timesteps: 0,
    updates: 0,
    episodes: 0,
    stopReason: 'error',
    curves: [...(run.curves ?? [])],
    validationEquity: null,
    final: { validation: null, test: null },
    best: null,
    error: run.error.slice(0, 2000),
  });
}

function header(
  who: RunIdentity,
): Pick<RunRecord, 'format' | 'version' | 'id' | 'name' | 'kind' | 'source' | 'createdAt' | 'sweep' | 'threads' | 'modelId'> {
  return {
    format: RUN_RECORD_FORMAT,
    version: RUN_RECORD_VERSION,
    id: who.id,
    name: who.name.slice(0, 200),
    kind: 'single',
    source: who.source,
    createdAt: who.createdAt.toISOString(),
    sweep: who.sweep ?? null,
    threads: who.threads ?? 1,
    modelId: who.modelId ?? null,
  };
}

function dataOf(d: FailedRun['data']): RunRecord['data'] {
  return {
    fileName: d.fileName,
    rows: d.rows,
    firstTime: d.firstTime,
    lastTime: d.lastTime,
    intervalMs: d.intervalMs,
    closeHash: d.closeHash,
  };
}

function metricsRecord(metrics: BacktestMetrics | null): Record<string, unknown> | null {
  // Through JSON so the record holds what its file will (±∞ as null), and compares equal after a read.
  return metrics ? (JSON.parse(JSON.stringify(metrics)) as Record<string, unknown>) : null;
}

function checkedRecord(record: RunRecord): RunRecord {
  const parsed = runRecordSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The record is built here from typed values: a refusal is a bug in this file, not bad input.
    throw new Error(`runRecord: built an invalid record (${issue.path.join('.')}: ${issue.message})`);
  }
  return parsed.data;
}

/** Checks a value against the schema; the error names the first field refused, and where. */
function toRunRecord(value: unknown, where: string, line?: number): RunRecord {
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.');
  throw new RunRecordError(`${where} is not a run record: ${field ? `${field}: ` : ''}${issue.message}.`, field || undefined, line);
}

/** One run record from a JSON file (a sweep trial's result-<i>.json); `source` names it in errors. */
export function parseRunRecord(text: string, source = 'The file'): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunRecordError(`${source} is not valid JSON (${(error as Error).message}).`);
  }
  return toRunRecord(value, source);
}

/** Run records as JSON lines: one record a line, newline-terminated. */
export function runRecordsToJsonl(records: readonly RunRecord[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

/** Reads JSON lines of run records (blank lines skipped); an error names its 1-based line. */
export function parseRunsJsonl(text: string, source = 'runs.jsonl'): RunRecord[] {
  const records: RunRecord[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new RunRecordError(`${source} line ${i + 1} is not valid JSON (${(error as Error).message}).`, undefined, i + 1);
    }
    records.push(toRunRecord(value, `${source} line ${i + 1}`, i + 1));
  });
  return records;
}
