import * as Comlink from 'comlink';
import { importCsv } from '../src/core/data/importCsv';
import type { Bars } from '../src/core/data/bars';
import type { ImportOptions, ImportReport } from '../src/core/data/report';
import type { SplitRatios } from '../src/core/features';
import { toUserError, UsageError, type Outcome, type UserError } from '../src/core/errors';
import { summariseDataset, type DatasetSummary } from '../src/core/workflow/dataset';
import {
  backtestModel,
  predictLatest,
  trainModel,
  type ModelBacktest,
  type Prediction,
  type SplitName,
} from '../src/core/workflow/session';
import { TrainingStream, batchBuffers, type TrainingBatch } from '../src/core/workflow/trainingStream';
import { backtestView, backtestViewBuffers, type BacktestView } from '../src/core/workflow/backtestView';
import {
  runWalkForward,
  summariseFold,
  summariseWalkForward,
  WalkForwardControl,
  type FoldOptions,
  type FoldSummary,
  type WalkForwardProgress,
  type WalkForwardResult,
  type WalkForwardSummary,
} from '../src/core/workflow/walkForward';
import { downsampleIndices } from '../src/core/workflow/downsample';
import { equityCsv, tradesCsv } from '../src/core/backtest/export';
import { evaluateBacktest, testVerdict, type ModelEvaluation, type RunVerdict } from '../src/core/workflow/evaluate';
import { renderReportHtml } from '../src/core/report/html';
import { renderWalkForwardReport } from '../src/core/report/walkForward';
import type { BacktestMetrics } from '../src/core/backtest/types';
import { mergeTrainingConfig, type TrainingOverrides, type Variant, type TrainingConfig } from '../src/core/ppo/config';
import type { TrainingControl, StopReason } from '../src/core/ppo/trainer';
import {
  loadNetwork,
  parseBundle,
  serializeBundle,
  tfjsModelFiles,
  type CheckpointSelection,
  type DataFingerprint,
  type ModelBundle,
} from '../src/core/model/bundle';
import { shortFileName } from '../src/core/model/validation';
import { LibraryError, ModelLibrary, type ModelMeta } from '../src/library/modelLibrary';
import { holdWhileRunning, isHeldByRun } from '../src/library/runLocks';
import { RunHistory, RunRecording } from './runHistory';
import { RunsService } from './runsService';
import { SweepService } from './sweepService';
import { probeAdapter, startBackend, type BackendChoice, type BackendInfo, type Calibration } from './backend';
import { attempt, failure, fileSafe, yieldToMessages } from './serviceSupport';
import type { ThreadGrant } from '../src/core/ppo/stepThreads';
import { importPortfolioModel, isPortfolioModelText, PortfolioService } from './portfolioService';

export type { BackendChoice, BackendInfo, Calibration } from './backend';
export type { TrainingBatch } from '../src/core/workflow/trainingStream';
export type { BacktestView } from '../src/core/workflow/backtestView';
export type { ModelMeta } from '../src/library/modelLibrary';
export type { Prediction } from '../src/core/workflow/session';
export type {
  FoldOptions,
  FoldSummary,
  Significance as WalkForwardSignificance,
  Spread,
  WalkForwardProgress,
  WalkForwardSummary,
} from '../src/core/workflow/walkForward';
export type { ModelEvaluation, RunVerdict } from '../src/core/workflow/evaluate';
export type {
  AlignmentReport,
  AlignOptions,
  PortfolioBacktestResult,
  PortfolioBacktestView,
  PortfolioCompareRow,
  PortfolioData,
  PortfolioEvaluationPoint,
  PortfolioFileInput,
  PortfolioFileSummary,
  PortfolioMeta,
  PortfolioPrediction,
  PortfolioProgressPoint,
  PortfolioRef,
  PortfolioRunResult,
  PortfolioSplitName,
  PortfolioTrainingBatch,
} from './portfolioService';
export type { RunImport, RunLineError, RunOverlay, RunRow } from './runsService';
export type { SweepProgress, SweepSpec, SweepState, SweepTrialResult } from './sweepService';

export interface GpuStatus {
  available: boolean;
  /** Adapter description when available, e.g. "google swiftshader (software fallback adapter)". */
  adapter?: string;
  /** Why WebGPU cannot be used, when it cannot. */
  reason?: string;
}

/** A finished training run; its model stays in the worker under `runId`. */
export interface RunResult {
  runId: ModelRef;
  name: string;
  variant: Variant;
  config: TrainingConfig;
  stopReason: StopReason;
  updates: number;
  timesteps: number;
  episodes: number;
  wallTimeMs: number;
  backend: string;
  /** Threads the gradient steps ran on, and why fewer than asked. */
  threads: ThreadGrant;
  validation: BacktestMetrics | null;
  test: BacktestMetrics | null;
  /** The bars of each split, the same for every variant on the same data and settings. */
  splits: DataFingerprint['splits'] | null;
  /** How the saved checkpoint was chosen (null: none qualified, the last weights were kept). */
  selection: CheckpointSelection | null;
  /** What the autosave did and did not keep, when something went wrong with it; null when all went well. */
  autosaveNotice: string | null;
  /** How the trading rules met the data, e.g. a session ignored on daily bars. */
  notes: string[];
}

/** Says why a run stepped on fewer threads than asked. */
function threadNote({ requested, threads, reason }: ThreadGrant): string[] {
  return reason ? [`Trained on ${threads} of the ${requested} threads asked: ${reason}.`] : [];
}

/** Each autosave of a run: the library entry written, or why it was not (training goes on either way). */
export type AutosaveEvent = { ok: true; meta: ModelMeta } | { ok: false; error: UserError };

/** A finished walk-forward: its JSON summary, each fold's model as a run, and the stitched curve. */
export interface WalkForwardRunResult extends WalkForwardSummary {
  /** Fold k's model is named "<name> fold k". */
  name: string;
  /** runId of each finished fold's model, in fold order; backtest, save or export them like trained runs. */
  runIds: ModelRef[];
  /** The stitched out-of-sample equity, downsampled for charts; null when no fold finished. */
  curve: { time: number[]; equity: number[]; foldStartTimes: number[] } | null;
}

/** A fold as it finishes, with the runId its model is kept under. */
export interface FoldDone extends FoldSummary {
  runId: ModelRef;
  /** The fold model's name, as the backtest panel lists it. */
  name: string;
}

/** Points of the stitched equity curve sent to the UI. */
const WALK_FORWARD_CURVE_POINTS = 2000;

/**
 * Which model a call means: a run of this worker session (`run-3`, fold models included) or a model
 * in the library (`saved:<id>`). Built with savedModelRef, never by hand.
 */
export type ModelRef = `run-${number}` | `saved:${string}`;

export function savedModelRef(id: string): ModelRef {
  return `saved:${id}`;
}

/** Checkpoints are autosaved to the library every this many updates. */
export const CHECKPOINT_EVERY_UPDATES = 5;

/**
 * What to backtest on: a split of the loaded data, or a dropped file. A file's split defaults to
 * 'auto': its test split when it is the model's training data, every bar otherwise.
 */
export type BacktestSource =
  { kind: 'split'; split: SplitName } | { kind: 'file'; file: Blob | string; fileName: string; split?: SplitName | 'auto' };
/** Equity or trades CSV, the report JSON, or the one-file HTML evaluation report. */
export type ExportKind = 'equity' | 'trades' | 'report' | 'html';

/** What the services share: the loaded data, the backend, the session's runs, the last results. */
class LabSession {
  dataset: { bars: Bars; report: ImportReport } | null = null;
  backend: BackendInfo | null = null;
  calibration: Calibration | null = null;
  readonly runs = new Map<string, ModelBundle>();
  /** The running training or walk-forward, for pause / resume / stop. */
  control: Pick<TrainingControl, 'pause' | 'resume' | 'stop'> | null = null;
  /** The last backtest with what it ran on, so it can be evaluated without running it again. */
  lastBacktest: {
    result: ModelBacktest;
    label: string;
    bundle: ModelBundle;
    bars: Bars;
    report: ImportReport;
    evaluation: ModelEvaluation | null;
  } | null = null;
  /** The last walk-forward with the data it ran on, for its report. */
  lastWalkForward: { result: WalkForwardResult; bars: Bars; report: ImportReport; html: string | null } | null = null;
  runCounter = 0;
  libraryConnection: Promise<ModelLibrary> | null = null;
  /** Every run's record (issue #20's runs history), in its own IndexedDB database. */
  readonly history = new RunHistory();

  /** Starts (or keeps) a tfjs backend; training and model checks use whatever was started last. */
  async useBackend(choice: BackendChoice, calibration: Calibration | null = null): Promise<BackendInfo> {
    if (this.backend && this.backend.requested === choice) return this.backend;
    this.backend = await startBackend(choice, calibration ?? this.calibration);
    this.calibration = this.backend.calibration ?? this.calibration;
    return this.backend;
  }
}

/** Loading data: import a CSV, summarise it for a lookback and split. */
export class DataService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  constructor(private readonly session: LabSession) {}

  /**
   * Imports a CSV and makes it the current dataset. On failure the previous dataset stays current and
   * the error comes back as a value the UI can show.
   */
  async importFile(
    input: Blob | string,
    fileName: string,
    onProgress?: ImportOptions['onProgress'],
    mapping?: ImportOptions['mapping'],
  ): Promise<Outcome<DatasetSummary>> {
    return attempt(async () => {
      const { bars, report } = await importCsv(input, { fileName, ...(onProgress ? { onProgress } : {}), ...(mapping ? { mapping } : {}) });
      const summary = summariseDataset(bars, report);
      this.session.dataset = { bars, report };
      return summary;
    });
  }

  /** The current dataset summarised for another lookback and split (the splits depend on both). */
  async summarise(lookback: number, ratios?: SplitRatios): Promise<Outcome<DatasetSummary> | null> {
    const dataset = this.session.dataset;
    if (!dataset) return null;
    return attempt(async () => summariseDataset(dataset.bars, dataset.report, { lookback, ...(ratios ? { ratios } : {}) }));
  }
}

/** The model library in IndexedDB, and the runs of this session, by ModelRef. */
export class LibraryService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  constructor(private readonly session: LabSession) {}

  async listModels(): Promise<Outcome<ModelMeta[]>> {
    return attempt(async () => (await this.open()).list());
  }

  /** Saves a run's model (or re-saves a library model) under a name. */
  async saveModel(runId: ModelRef, name: string): Promise<Outcome<ModelMeta>> {
    return attempt(async () => {
      const bundle = { ...(await this.resolve(runId)), name: name.trim() || 'Untitled model' };
      const meta = await (await this.open()).save(bundle, serializeBundle(bundle));
      await this.session.history.noteModel(runId, meta.id);
      return meta;
    });
  }

  async renameModel(id: string, name: string): Promise<Outcome<ModelMeta>> {
    return attempt(async () => {
      await refuseWhileRunning(id, 'renamed');
      const meta = await (await this.open()).rename(id, name);
      // The cached bundle still has the old name; the next use reads the renamed one.
      this.session.runs.delete(savedModelRef(id));
      return meta;
    });
  }

  async deleteModel(id: string): Promise<Outcome<null>> {
    return attempt(async () => {
      await refuseWhileRunning(id, 'deleted');
      await (await this.open()).remove(id);
      this.session.runs.delete(savedModelRef(id));
      return null;
    });
  }

  /** The model as one bundle file's text (what export downloads and import reads). */
  async exportModel(ref: ModelRef): Promise<Outcome<{ fileName: string; text: string }>> {
    return attempt(async () => {
      const bundle = await this.resolve(ref);
      return { fileName: `${fileSafe(bundle.name)}.ppo.json`, text: serializeBundle(bundle) };
    });
  }

  /** The network alone in TF.js Layers format (MLP variants). */
  async exportTfjs(ref: ModelRef): Promise<Outcome<{ modelJson: string; weights: ArrayBuffer }>> {
    return attempt(async () => {
      const files = await tfjsModelFiles(await this.resolve(ref));
      return Comlink.transfer(files, [files.weights]);
    });
  }

  /** Validates a bundle file (single-asset or portfolio) and adds it to the library; a bad file changes nothing. */
  async importModel(text: string, fileName: string): Promise<Outcome<ModelMeta>> {
    return attempt(async () => {
      if (isPortfolioModelText(text)) return importPortfolioModel(await this.open(), text, fileName);
      let bundle: ModelBundle;
      try {
        bundle = parseBundle(text);
      } catch (error) {
        if (error instanceof Error) error.message = `${shortFileName(fileName)}: ${error.message}`;
        throw error;
      }
      // parseBundle checked every weight against the config; building the network once on this backend
      // proves it runs here before anything is stored.
      await this.session.useBackend(this.session.backend?.requested ?? 'auto');
      loadNetwork(bundle).dispose();
      return (await this.open()).save(bundle, text);
    });
  }

  /** A run of this session ("run-3") or a library model ("saved:<id>"). */
  async resolve(ref: ModelRef): Promise<ModelBundle> {
    const known = this.session.runs.get(ref);
    if (known) return known;
    if (ref.startsWith('saved:')) return this.loadSaved(ref.slice('saved:'.length));
    throw new UsageError(`No model "${ref}" in this session. Train one first, or pick one from the library.`);
  }

  /** A library model, kept in the session once loaded. */
  async loadSaved(id: string): Promise<ModelBundle> {
    const bundle = parseBundle(await (await this.open()).bundleText(id));
    this.session.runs.set(savedModelRef(id), bundle);
    return bundle;
  }

  /** The IndexedDB library, opened on first use. */
  open(): Promise<ModelLibrary> {
    this.session.libraryConnection ??= ModelLibrary.open();
    // A failed open is not cached: the next call tries again.
    this.session.libraryConnection.catch(() => {
      this.session.libraryConnection = null;
    });
    return this.session.libraryConnection;
  }
}

/** Backends, training, walk-forward, and their controls. */
export class TrainingService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  constructor(
    private readonly session: LabSession,
    private readonly library: LibraryService,
  ) {}

  async gpuStatus(): Promise<GpuStatus> {
    const probe = await probeAdapter();
    return probe.adapter
      ? { available: true, adapter: probe.software ? `${probe.adapter} (software fallback adapter)` : probe.adapter }
      : { available: false, reason: probe.reason };
  }

  /**
   * Starts (or switches to) a tfjs backend; training uses whatever was started last. `calibration` is
   * what an earlier `auto` measured on this device (the UI keeps it), so auto need not time again.
   */
  async useBackend(choice: BackendChoice, calibration: Calibration | null = null): Promise<BackendInfo> {
    return this.session.useBackend(choice, calibration);
  }

  /**
   * Trains on the current dataset. Batches of progress stream to `onBatch` (at most 2 a second: each batch redraws the charts);
   * the finished model stays here under the returned runId for backtests, predictions and export.
   */
  async train(
    overrides: TrainingOverrides,
    backend: BackendChoice,
    onBatch: (batch: TrainingBatch) => void,
    // Separate arguments, not an options object: Comlink proxies only top-level callback arguments.
    onAutosave?: (event: AutosaveEvent) => void,
    resumeModelId?: string,
    threads = 1,
  ): Promise<Outcome<RunResult>> {
    const dataset = this.session.dataset;
    if (!dataset)
      return { ok: false, error: { kind: 'UsageError', message: 'Load data before training: drop a CSV or use the sample data.' } };
    if (this.session.control)
      return { ok: false, error: { kind: 'UsageError', message: 'A training run is already going. Stop it before starting another.' } };
    if (resumeModelId && (await isHeldByRun(resumeModelId))) {
      return {
        ok: false,
        error: { kind: 'UsageError', message: 'This checkpoint is being trained in another tab. Stop it there first, or let it finish.' },
      };
    }
    const stream = new TrainingStream((batch) => onBatch(Comlink.transfer(batch, batchBuffers(batch))), 500);
    const checkpointId = resumeModelId ?? `ckpt-${Date.now().toString(36)}`;
    const bestId = `best-${checkpointId}`;
    const release = holdWhileRunning([checkpointId, bestId]);
    let recording: RunRecording | null = null;
    try {
      await this.useBackend(backend);
      const runId: ModelRef = `run-${++this.session.runCounter}`;
      const resumeFrom = resumeModelId ? await this.library.loadSaved(resumeModelId) : undefined;
      const variant = resumeFrom?.variant ?? overrides.variant ?? 'maskable';
      const name =
        resumeFrom?.name.replace(/ \(checkpoint\)$/, '') ??
        `${variant} on ${dataset.report.fileName} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      const library = await this.library.open().catch(() => null);
      const autosave = new AutosaveLog(resumeFrom?.training.timesteps ?? null);
      recording = new RunRecording(dataset.bars, dataset.report, name, 'app');
      // A failed autosave (storage full, a closed database) is reported and training goes on.
      const keep = async (bundle: ModelBundle, what: 'checkpoint' | 'best') => {
        if (!library) return;
        const named = { ...bundle, name: `${name} (${what === 'checkpoint' ? 'checkpoint' : 'best so far'})` };
        try {
          const meta = await library.save(
            named,
            serializeBundle(named),
            what === 'checkpoint' ? { id: checkpointId, kind: 'checkpoint' } : { id: bestId, kind: 'model' },
          );
          autosave.saved(what, bundle.training.timesteps);
          onAutosave?.({ ok: true, meta });
        } catch (error) {
          onAutosave?.({ ok: false, error: { kind: 'LibraryError', message: autosave.failed(what, bundle.training.timesteps, error) } });
        }
      };
      // Each update ends by letting queued messages in (pause, stop, a backtest request), as walk-forward,
      // sweeps and portfolios do: without it the run only yielded while a checkpoint was written, every
      // 5 updates, and the worker answered after 2–10 s.
      const events = recording.events({
        onProgress: stream.onProgress,
        onEpisode: stream.onEpisode,
        onEvaluation: stream.onEvaluation,
        onUpdateEnd: yieldToMessages,
      });
      const outcome = await trainModel(dataset.bars, dataset.report, overrides, name, events, {
        onTrainer: (trainer) => {
          this.session.control = trainer.control;
          recording?.trainerBuilt(trainer.engine.grant.threads);
        },
        threads,
        ...(resumeFrom ? { resumeFrom } : {}),
        ...(library
          ? {
              checkpoint: {
                everyUpdates: CHECKPOINT_EVERY_UPDATES,
                save: (bundle: ModelBundle) => keep(bundle, 'checkpoint'),
                // The best model so far is kept as a usable library model, so a reload never loses it.
                saveBest: (bundle: ModelBundle) => keep(bundle, 'best'),
              },
            }
          : {}),
      });
      // The result is kept before the checkpoint goes, so no failure below can lose it.
      this.session.runs.set(runId, outcome.bundle);
      stream.close();
      if (library) {
        try {
          await library.remove(checkpointId);
        } catch (error) {
          autosave.notRemoved(error);
        }
      }
      const b = outcome.bundle;
      // The best checkpoint autosaved as a library model is this run's model until the user saves another.
      const finished = recording;
      const recordNotice = await this.session.history.record(() => finished.finished(outcome, autosave.bestSaved() ? bestId : null));
      if (recordNotice === null) this.session.history.recordIds.set(runId, recording.id);
      return {
        ok: true,
        value: {
          runId,
          name,
          variant: b.variant,
          config: b.config,
          stopReason: outcome.summary.stopReason,
          updates: outcome.summary.updates,
          timesteps: outcome.summary.timesteps,
          episodes: outcome.summary.episodes,
          wallTimeMs: outcome.summary.wallTimeMs,
          backend: outcome.summary.backend,
          threads: outcome.summary.threads,
          validation: b.metrics.validation,
          test: b.metrics.test,
          splits: b.data.splits ?? null,
          selection: b.training.selection ?? null,
          autosaveNotice: joinNotices(autosave.notice(), recordNotice && notRecorded(recordNotice)),
          notes: [...outcome.notes, ...threadNote(outcome.summary.threads)],
        },
      };
    } catch (error) {
      stream.close();
      const userError = toUserError(error) ?? failure('Training', error);
      const failed = recording;
      // Recording a failure must not hide it: a failed write is left out of the message.
      if (failed) await this.session.history.record(() => failed.failed(mergeTrainingConfig(overrides), userError.message));
      return { ok: false, error: userError };
    } finally {
      this.session.control = null;
      release();
    }
  }

  /**
   * Walk-forward evaluation on the current dataset: a fresh agent per fold, each tested on its own
   * later slice, the test slices stitched into one out-of-sample curve. Progress goes to `onProgress`
   * once per update; pause / resume / stop act on it as on training (between folds and within one).
   * Each finished fold's model stays here as a run and is announced to `onFold`.
   */
  async walkForward(
    overrides: TrainingOverrides,
    folds: Partial<FoldOptions>,
    backend: BackendChoice,
    onProgress: (progress: WalkForwardProgress) => void,
    onFold?: (fold: FoldDone) => void,
  ): Promise<Outcome<WalkForwardRunResult>> {
    const dataset = this.session.dataset;
    if (!dataset)
      return { ok: false, error: { kind: 'UsageError', message: 'Load data before a walk-forward: drop a CSV or use the sample data.' } };
    if (this.session.control)
      return { ok: false, error: { kind: 'UsageError', message: 'A training run is already going. Stop it before starting another.' } };
    const control = new WalkForwardControl();
    this.session.control = control;
    this.session.lastWalkForward = null;
    try {
      await this.useBackend(backend);
      const variant = overrides.variant ?? 'maskable';
      const name = `${variant} walk-forward on ${dataset.report.fileName} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      const runIds: ModelRef[] = [];
      const result = await runWalkForward(
        dataset.bars,
        dataset.report,
        overrides,
        { ...folds, name, control },
        {
          onProgress,
          onUpdateEnd: yieldToMessages,
          onFoldEnd: (outcome) => {
            const runId: ModelRef = `run-${++this.session.runCounter}`;
            this.session.runs.set(runId, outcome.bundle);
            runIds.push(runId);
            onFold?.({ ...summariseFold(outcome, dataset.bars), runId, name: outcome.bundle.name });
          },
        },
      );
      this.session.lastWalkForward = { result, bars: dataset.bars, report: dataset.report, html: null };
      const curve = result.stitched?.curve ?? null;
      const picks = curve ? downsampleIndices(curve.equity, WALK_FORWARD_CURVE_POINTS) : [];
      return {
        ok: true,
        value: {
          ...summariseWalkForward(result, dataset.bars),
          name,
          runIds,
          curve: curve
            ? {
                time: picks.map((i) => curve.time[i]),
                equity: picks.map((i) => curve.equity[i]),
                foldStartTimes: curve.foldStarts.map((i) => curve.time[i]),
              }
            : null,
        },
      };
    } catch (error) {
      return { ok: false, error: toUserError(error) ?? failure('Walk-forward', error) };
    } finally {
      this.session.control = null;
    }
  }

  /**
   * The one-file HTML report of the last walk-forward: the last fold's model evaluated on its test
   * slice, then every fold and the stitched out-of-sample curve.
   */
  async exportWalkForwardReport(): Promise<Outcome<{ fileName: string; html: string }>> {
    return attempt(async () => {
      const last = this.session.lastWalkForward;
      if (!last) throw new UsageError('Run a walk-forward before exporting its report.');
      last.html ??= await renderWalkForwardReport(last.result, last.bars, last.report);
      if (last.html === null)
        throw new UsageError('The walk-forward was stopped before its first fold finished, so there is nothing to report. Run it again.');
      return {
        fileName: `${fileSafe(`${last.result.config.variant}-walk-forward-${last.report.fileName.replace(/\.[^.]+$/, '')}`)}-report.html`,
        html: last.html,
      };
    });
  }

  /**
   * The verdict of a run's test backtest on the loaded data, when it is one of `comparedRuns` runs
   * compared side by side (DSR counts each compared run as one more trial).
   */
  async runVerdict(runId: ModelRef, comparedRuns: number): Promise<Outcome<RunVerdict>> {
    return attempt(async () => {
      const dataset = this.session.dataset;
      if (!dataset) throw new UsageError('Load data before judging a run.');
      return testVerdict(await this.library.resolve(runId), dataset.bars, dataset.report, comparedRuns);
    });
  }

  async pause(): Promise<void> {
    this.session.control?.pause();
  }

  async resume(): Promise<void> {
    this.session.control?.resume();
  }

  async stop(): Promise<void> {
    this.session.control?.stop();
  }

  // ── Model library ──────────────────────────────────────────────────────────────────────────
}

/** Backtests, their evaluation and exports, and predictions. */
export class BacktestService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  constructor(
    private readonly session: LabSession,
    private readonly library: LibraryService,
  ) {}

  /** Backtests a run's model on a split of the current dataset or on a dropped file. */
  async backtest(runId: ModelRef, source: BacktestSource): Promise<Outcome<BacktestView>> {
    return attempt(async () => {
      const bundle = await this.library.resolve(runId);
      let bars: Bars;
      let report: ImportReport;
      let split: SplitName | 'auto';
      if (source.kind === 'file') {
        ({ bars, report } = await importCsv(source.file, { fileName: source.fileName }));
        split = source.split ?? 'auto';
      } else {
        if (!this.session.dataset) throw new UsageError('Load data first, or drop a CSV on the backtest panel.');
        ({ bars, report } = this.session.dataset);
        split = source.split;
      }
      const result = await backtestModel(bundle, bars, report, split);
      const label = `${report.fileName}, ${result.split === 'all' ? 'all bars' : `${result.split} split`}`;
      this.session.lastBacktest = { result, label, bundle, bars, report, evaluation: null };
      const view = backtestView(result, label);
      return Comlink.transfer(view, backtestViewBuffers(view));
    });
  }

  /**
   * Monte Carlo resampling (1,000 block and 1,000 trade resamples), the regime breakdown, PSR/DSR and
   * the timing test of the last backtest, with the verdict.
   */
  async evaluateLastBacktest(): Promise<Outcome<ModelEvaluation>> {
    return attempt(async () => this.lastEvaluation());
  }

  private lastEvaluation(): ModelEvaluation {
    const last = this.session.lastBacktest;
    if (!last) throw new UsageError('Run a backtest before evaluating it.');
    last.evaluation ??= evaluateBacktest(last.bundle, last.bars, last.report, last.result);
    return last.evaluation;
  }

  /** The last backtest as a file's text: equity or trades CSV, the report JSON, or the HTML report (evaluated if not yet). */
  async exportBacktest(kind: ExportKind): Promise<string | null> {
    const last = this.session.lastBacktest;
    if (!last) return null;
    if (kind === 'html') return renderReportHtml({ evaluation: this.lastEvaluation() });
    if (kind === 'equity') return equityCsv(last.result);
    if (kind === 'trades') return tradesCsv(last.result.trades);
    const { result } = last;
    return JSON.stringify(
      {
        source: last.label,
        split: result.split,
        bars: result.equity.length,
        inSample: result.sample.inSample,
        inSampleBars: result.sample.trainingBars + result.sample.selectionBars,
        sample: result.sample,
        assumptions: result.assumptions,
        metrics: result.metrics,
        trades: result.trades,
      },
      null,
      2,
    );
  }

  /** The model's action for the last bar of a file, or of the loaded data when no file is given. */
  async predict(ref: ModelRef, file?: { file: Blob | string; fileName: string }): Promise<Outcome<Prediction>> {
    return attempt(async () => {
      const bundle = await this.library.resolve(ref);
      const source = file ? await importCsv(file.file, { fileName: file.fileName }) : this.session.dataset;
      if (!source) throw new UsageError('Load data or choose a CSV to predict on.');
      return predictLatest(bundle, source.bars, source.report.hasVolume);
    });
  }
}

/**
 * The one API the UI calls, composed of its services; the worker exposes an instance through
 * Comlink, and the UI calls e.g. `labClient().data.importFile(...)`.
 */
export class LabApi {
  private readonly session = new LabSession();
  readonly data = new DataService(this.session);
  readonly library = new LibraryService(this.session);
  readonly training = new TrainingService(this.session, this.library);
  readonly backtest = new BacktestService(this.session, this.library);
  /** The portfolio agent: several CSVs aligned, trained, backtested against 1/N, predicted. */
  readonly portfolio = new PortfolioService(this.session, this.library);
  readonly runs = new RunsService(this.session.history);
  readonly sweeps = new SweepService(this.session, () => this.library.open());
}

async function refuseWhileRunning(id: string, what: 'renamed' | 'deleted'): Promise<void> {
  if (await isHeldByRun(id)) {
    throw new LibraryError(
      `The run in progress autosaves to this entry, so it cannot be ${what} now. Stop the run first (its checkpoint is removed when it ends).`,
    );
  }
}

/** What a run's autosaves kept and lost, to say exactly that in the banner and the result. */
class AutosaveLog {
  private lastCheckpoint: number | null;
  private lastBest: number | null = null;
  private failures = 0;
  private leftover: string | null = null;

  constructor(resumedAt: number | null) {
    this.lastCheckpoint = resumedAt;
  }

  saved(what: 'checkpoint' | 'best', timesteps: number): void {
    if (what === 'checkpoint') this.lastCheckpoint = timesteps;
    else this.lastBest = timesteps;
  }

  /** The banner text for a failed autosave. */
  failed(what: 'checkpoint' | 'best', timesteps: number, error: unknown): string {
    this.failures++;
    const reason = error instanceof LibraryError ? error.reason : error instanceof Error ? error.message : String(error);
    const lost =
      what === 'checkpoint'
        ? `The checkpoint at ${steps(timesteps)} was not saved`
        : `The best model so far (at ${steps(timesteps)}) was not saved`;
    return `${lost}: ${reason}. Training goes on. ${this.kept()} The finished model stays in this session; save or export it when the run ends.`;
  }

  /** True when the run's best checkpoint is in the library (its "best so far" entry). */
  bestSaved(): boolean {
    return this.lastBest !== null;
  }

  notRemoved(error: unknown): void {
    const reason = error instanceof LibraryError ? error.reason : error instanceof Error ? error.message : String(error);
    this.leftover = `The finished run's checkpoint could not be removed from the library (${reason}); delete it there.`;
  }

  notice(): string | null {
    if (this.failures === 0) return this.leftover;
    const saved = `${this.failures} autosave${this.failures === 1 ? '' : 's'} failed during this run. ${this.kept()}`;
    return `${saved} The finished model is kept in this session only: it is not in the library until you save it.${this.leftover ? ` ${this.leftover}` : ''}`;
  }

  private kept(): string {
    const parts = [
      this.lastCheckpoint === null ? null : `the checkpoint at ${steps(this.lastCheckpoint)}`,
      this.lastBest === null ? null : `the best model so far at ${steps(this.lastBest)}`,
    ].filter((p) => p !== null);
    return parts.length ? `The library holds ${parts.join(' and ')}.` : 'The library holds nothing of this run yet.';
  }
}

function notRecorded(reason: string): string {
  return `The run was not recorded in the runs history (${reason}); the model itself is unaffected.`;
}

function joinNotices(...notices: (string | null)[]): string | null {
  const kept = notices.filter((n): n is string => !!n);
  return kept.length ? kept.join(' ') : null;
}

function steps(timesteps: number): string {
  return `${timesteps.toLocaleString('en-US')} timesteps`;
}
