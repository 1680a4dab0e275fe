import * as Comlink from 'comlink';
import type { LabApi, ModelRef } from '../../workers/labApi';

export type {
  AlignmentReport,
  AlignOptions,
  PortfolioBacktestResult,
  PortfolioBacktestView,
  PortfolioCompareRow,
  PortfolioData,
  PortfolioEvaluationPoint,
  PortfolioFileSummary,
  PortfolioMeta,
  PortfolioPrediction,
  PortfolioProgressPoint,
  PortfolioRef,
  PortfolioRunResult,
  PortfolioSplitName,
  PortfolioTrainingBatch,
  AutosaveEvent,
  BackendChoice,
  BackendInfo,
  BacktestSource,
  Calibration,
  BacktestView,
  ExportKind,
  FoldDone,
  FoldOptions,
  GpuStatus,
  ModelEvaluation,
  ModelMeta,
  Prediction,
  RunResult,
  ModelRef,
  RunImport,
  RunLineError,
  RunOverlay,
  RunRow,
  SweepProgress,
  SweepSpec,
  SweepState,
  SweepTrialResult,
  RunVerdict,
  Spread,
  TrainingBatch,
  WalkForwardProgress,
  WalkForwardRunResult,
  WalkForwardSignificance,
} from '../../workers/labApi';
export type LabClient = Comlink.Remote<LabApi>;

/** The reference of a library model, as the worker's calls take it. */
export function savedModelRef(id: string): ModelRef {
  return `saved:${id}`;
}

let worker: Worker | null = null;
let client: LabClient | null = null;
let crashListener: ((message: string) => void) | null = null;

/** The lab worker, started on first use; every long computation runs there. */
export function labClient(): LabClient {
  if (!client) {
    worker = new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      // An uncaught error leaves the worker alive in an unknown state, still training and autosaving:
      // end it, so only a restarted worker touches the data and the library.
      restartWorker();
      crashListener?.(event.message || 'the worker stopped unexpectedly');
    });
    client = Comlink.wrap<LabApi>(worker);
  }
  return client;
}

/** Called when the worker dies (an uncaught error or out of memory), so the UI can offer a restart. */
export function onWorkerCrash(listener: (message: string) => void): void {
  crashListener = listener;
}

/** Ends the current worker; the next labClient() call starts a fresh one. */
export function restartWorker(): void {
  client?.[Comlink.releaseProxy]();
  worker?.terminate();
  worker = null;
  client = null;
}

/** Wraps a callback so the worker can call it across the boundary. */
export const callback = Comlink.proxy;
