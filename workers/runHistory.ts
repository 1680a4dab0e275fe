import * as tf from '@tensorflow/tfjs';
import { buildRunRecord, newRunId, RunCurveRecorder } from '../src/core/experiments/appRecord';
import type { RunRecord } from '../src/core/experiments/types';
import type { Bars } from '../src/core/data/bars';
import type { ImportReport } from '../src/core/data/report';
import { fingerprint, type SessionEvents, type TrainOutcome } from '../src/core/workflow/session';
import { LibraryError } from '../src/library/modelLibrary';
import { RunLibrary } from '../src/library/runLibrary';

/**
 * The worker's runs history: the runs store, opened on first use, and which record each session run
 * wrote (so saving its model later notes the model's id in the record).
 */
export class RunHistory {
  private connection: Promise<RunLibrary> | null = null;
  /** Record id by session run (ModelRef). */
  readonly recordIds = new Map<string, string>();

  open(): Promise<RunLibrary> {
    this.connection ??= RunLibrary.open();
    // A failed open is not cached: the next call tries again.
    this.connection.catch(() => {
      this.connection = null;
    });
    return this.connection;
  }

  /**
   * Builds and stores a run's record; the reason when it could not be. Recording never stops a run:
   * a record that fails its schema or a full disk is reported, not thrown.
   */
  async record(build: () => RunRecord | null): Promise<string | null> {
    try {
      const record = build();
      if (record) await (await this.open()).add([record]);
      return null;
    } catch (error) {
      return error instanceof LibraryError ? error.reason : error instanceof Error ? error.message : String(error);
    }
  }

  /** Notes the library model a session run was saved as, if the run was recorded; failures are ignored (the record is informative). */
  async noteModel(runRef: string, modelId: string): Promise<void> {
    const id = this.recordIds.get(runRef);
    if (!id) return;
    await (await this.open()).setModelId(id, modelId).catch(() => undefined);
  }
}

/**
 * One run being recorded: tees the run's events to its curve recorder, and builds its record when
 * it ends, however it ends.
 */
export class RunRecording {
  readonly id = newRunId();
  readonly recorder = new RunCurveRecorder();
  private readonly startedAt = new Date();
  private readonly startedMs = Date.now();

  constructor(
    private readonly bars: Bars,
    private readonly report: ImportReport,
    private readonly name: string,
    private readonly source: RunRecord['source'],
    private readonly sweep: RunRecord['sweep'] = null,
  ) {}

  /** The run's events for trainModel: the given ones (the UI stream) and the recorder's. */
  events(other: SessionEvents = {}): SessionEvents {
    const r = this.recorder;
    return {
      onProgress: (e) => {
        other.onProgress?.(e);
        r.onProgress(e);
      },
      onEpisode: (stats, timesteps) => {
        other.onEpisode?.(stats, timesteps);
        r.onEpisode(stats, timesteps);
      },
      onEvaluation: async (e) => {
        r.onEvaluation(e);
        await other.onEvaluation?.(e);
      },
      ...(other.onUpdateEnd ? { onUpdateEnd: other.onUpdateEnd } : {}),
    };
  }

  /** Call from trainModel's onTrainer: from here on a failure is a run worth recording. */
  /** Threads the run's gradient steps got (the engine's grant), known once the trainer is built. */
  private threads = 1;

  trainerBuilt(threads = 1): void {
    this.threads = threads;
    this.recorder.started = true;
  }

  /** The record of a run that ended (done or stopped). */
  finished(outcome: TrainOutcome, modelId: string | null): RunRecord {
    const b = outcome.bundle;
    const s = outcome.summary;
    const selection = b.training.selection;
    return buildRunRecord({
      ...this.common(),
      config: b.config,
      backend: s.backend,
      wallTimeMs: s.wallTimeMs,
      timesteps: s.timesteps,
      updates: s.updates,
      episodes: s.episodes,
      stopReason: s.stopReason,
      validation: b.metrics.validation,
      test: b.metrics.test,
      best: selection ? { update: selection.update, score: selection.score, basis: selection.basis } : null,
      modelId,
      error: null,
    });
  }

  /** The record of a run that failed after its trainer was built; null when it failed before. */
  failed(config: object, error: string): RunRecord | null {
    if (!this.recorder.started) return null;
    const last = this.recorder.last;
    return buildRunRecord({
      ...this.common(),
      config,
      backend: tf.getBackend() ?? 'unknown',
      wallTimeMs: Date.now() - this.startedMs,
      ...last,
      stopReason: 'failed',
      validation: null,
      test: null,
      error,
    });
  }

  private common() {
    return {
      id: this.id,
      name: this.name,
      source: this.source,
      sweep: this.sweep,
      createdAt: this.startedAt,
      data: fingerprint(this.bars, this.report),
      threads: this.threads,
      recorder: this.recorder,
    };
  }
}
