import * as Comlink from 'comlink';
import { importCsv } from '../src/core/data/importCsv';
import { alignAssets, uniqueAssetNames } from '../src/core/data/align';
import { toUserError, UsageError, type Outcome } from '../src/core/errors';
import type { BacktestMetrics } from '../src/core/backtest/types';
import type { StopReason, TrainingControl } from '../src/core/ppo/trainer';
import { parsePortfolioBundle, serializePortfolioBundle, type PortfolioBundle } from '../src/core/portfolio/bundle';
import { resolvePortfolioConfig, type PortfolioOverrides, type PortfolioTrainingConfig } from '../src/core/portfolio/trainingConfig';
import type { AlignedMarket, AlignmentReport, AlignOptions, AssetInput } from '../src/core/portfolio/types';
import {
  backtestPortfolioModel,
  predictPortfolio,
  trainPortfolio,
  type PortfolioPrediction,
  type PortfolioSplitName,
} from '../src/core/workflow/portfolio';
import {
  PortfolioStream,
  portfolioBatchBuffers,
  portfolioSummaryBuffers,
  summarisePortfolioBacktest,
  type PortfolioBacktestSummary,
  type PortfolioTrainingBatch,
} from '../src/core/workflow/portfolioView';
import { shortFileName } from '../src/core/model/validation';
import type { ModelLibrary, PortfolioMeta } from '../src/library/modelLibrary';
import type { BackendChoice, BackendInfo } from './backend';
import { attempt, failure, fileSafe, yieldToMessages } from './serviceSupport';

export type { PortfolioPrediction, PortfolioSplitName } from '../src/core/workflow/portfolio';
export type {
  PortfolioBacktestSummary,
  PortfolioBacktestView,
  PortfolioCompareRow,
  PortfolioEvaluationPoint,
  PortfolioProgressPoint,
  PortfolioTrainingBatch,
} from '../src/core/workflow/portfolioView';
export type { AlignmentReport, AlignOptions } from '../src/core/portfolio/types';
export type { PortfolioMeta } from '../src/library/modelLibrary';

/** A run of this session (`run-3`) or a library entry (`saved:<id>`), as for single-asset models. */
export type PortfolioRef = `run-${number}` | `saved:${string}`;

/** One CSV of a portfolio, as the UI hands it over: a File (a Blob) or its text. */
export interface PortfolioFileInput {
  file: Blob | string;
  fileName: string;
}

/** Each file's own import, in a line of the asset list. */
export interface PortfolioFileSummary {
  /** The asset's name: the file name without its extension, made unique. */
  name: string;
  fileName: string;
  rowsRead: number;
  rowsKept: number;
  intervalLabel: string;
  firstTime: number;
  lastTime: number;
  /** Rows the import dropped (bad timestamps, duplicates…), before alignment. */
  importDrops: number;
  /** The import's drops by reason, in words. */
  dropReasons: { message: string; count: number }[];
  warnings: string[];
}

export interface PortfolioData {
  files: PortfolioFileSummary[];
  alignment: AlignmentReport;
}

/** A finished portfolio run; its model stays in the worker under `runId`. */
export interface PortfolioRunResult {
  runId: PortfolioRef;
  name: string;
  config: PortfolioTrainingConfig;
  assets: string[];
  stopReason: StopReason;
  updates: number;
  timesteps: number;
  episodes: number;
  wallTimeMs: number;
  backend: string;
  /** The kept checkpoint (null: none evaluated, the last weights kept). */
  selection: PortfolioBundle['training']['selection'];
  validation: BacktestMetrics | null;
  /** The test split against the baselines on the same bars; null when the test split is too short. */
  test: PortfolioBacktestSummary | null;
}

export interface PortfolioBacktestResult extends PortfolioBacktestSummary {
  split: PortfolioSplitName;
  /** The bars are the model's training data and the split touches its training or validation bars. */
  inSample: boolean;
  name: string;
}

/** What the portfolio service needs of the lab's session: the backend and the one run control. */
export interface PortfolioSessionHost {
  control: Pick<TrainingControl, 'pause' | 'resume' | 'stop'> | null;
  runCounter: number;
  useBackend(choice: BackendChoice): Promise<BackendInfo>;
}

/**
 * The portfolio agent in the worker (issue #18): several CSVs imported and aligned, a run trained
 * with its progress streamed, backtests and predictions, and its models in the library. The
 * single-asset dataset of the session is never touched.
 */
export class PortfolioService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  private data: { market: AlignedMarket; report: AlignmentReport; fileNames: string[] } | null = null;
  private readonly runs = new Map<PortfolioRef, PortfolioBundle>();
  private running = false;

  constructor(
    private readonly host: PortfolioSessionHost,
    private readonly library: { open(): Promise<ModelLibrary> },
  ) {}

  /**
   * Imports every file as the single-asset importer does and aligns them. An import error names its
   * file; on any error the previous portfolio data stays loaded.
   */
  async loadFiles(files: PortfolioFileInput[], options: AlignOptions): Promise<Outcome<PortfolioData>> {
    if (this.running) return busy('load other files');
    const names = uniqueAssetNames(files.map((f) => f.fileName));
    const inputs: AssetInput[] = [];
    for (const [k, f] of files.entries()) {
      try {
        const { bars, report } = await importCsv(f.file, { fileName: f.fileName });
        inputs.push({ name: names[k], bars, report });
      } catch (error) {
        const userError = toUserError(error);
        if (userError === null) throw error;
        const file = shortFileName(f.fileName);
        return {
          ok: false,
          error: {
            ...userError,
            fileName: f.fileName,
            message: userError.message.includes(file) ? userError.message : `${file}: ${userError.message}`,
          },
        };
      }
    }
    return attempt(async () => {
      const { market, report } = alignAssets(inputs, options);
      this.data = { market, report, fileNames: files.map((f) => f.fileName) };
      return { files: inputs.map(fileSummary), alignment: report };
    });
  }

  /**
   * Trains on the loaded portfolio. Progress, finished episodes and each validation evaluation
   * (equity against 1/N, the weights chosen) stream to `onBatch` at most twice a second; the model
   * stays here under the returned runId. The settings are checked first: a ConfigError names the field.
   */
  async train(
    overrides: PortfolioOverrides,
    backend: BackendChoice,
    onBatch: (batch: PortfolioTrainingBatch) => void,
  ): Promise<Outcome<PortfolioRunResult>> {
    const data = this.data;
    if (!data) return usage('Load two or more CSVs in the Portfolio panel before training.');
    if (this.host.control) return usage('A training run is already going. Stop it before starting another.');
    const checked = await attempt(async () => resolvePortfolioConfig(overrides));
    if (!checked.ok) return checked;
    const stream = new PortfolioStream(
      (batch) => onBatch(Comlink.transfer(batch, portfolioBatchBuffers(batch))),
      data.market.bars.map((b) => b.close),
    );
    this.running = true;
    try {
      await this.host.useBackend(backend);
      const runId: PortfolioRef = `run-${++this.host.runCounter}`;
      const variant = checked.value.variant;
      const name = `portfolio ${variant} on ${data.market.assets.join(', ')} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      const outcome = await trainPortfolio(data.market, data.report, data.fileNames, overrides, name, {
        onProgress: stream.onProgress,
        onEpisode: stream.onEpisode,
        onEvaluation: stream.onEvaluation,
        onUpdateEnd: yieldToMessages,
        onTrainer: (trainer) => {
          this.host.control = trainer.control;
        },
      });
      this.runs.set(runId, outcome.bundle);
      stream.end();
      const b = outcome.bundle;
      const test = outcome.test ? summarisePortfolioBacktest(outcome.test, outcome.baselines) : null;
      const result: PortfolioRunResult = {
        runId,
        name,
        config: b.config,
        assets: b.assets,
        stopReason: outcome.summary.stopReason,
        updates: outcome.summary.updates,
        timesteps: outcome.summary.timesteps,
        episodes: outcome.summary.episodes,
        wallTimeMs: outcome.summary.wallTimeMs,
        backend: outcome.summary.backend,
        selection: b.training.selection,
        validation: b.metrics.validation,
        test,
      };
      return { ok: true, value: Comlink.transfer(result, test ? portfolioSummaryBuffers(test) : []) };
    } catch (error) {
      stream.end();
      return { ok: false, error: toUserError(error) ?? failure('Portfolio training', error) };
    } finally {
      this.host.control = null;
      this.running = false;
    }
  }

  async pause(): Promise<void> {
    if (this.running) this.host.control?.pause();
  }

  async resume(): Promise<void> {
    if (this.running) this.host.control?.resume();
  }

  /** Stops the portfolio run after its current update; the best checkpoint so far is kept and tested. */
  async stop(): Promise<void> {
    if (this.running) this.host.control?.stop();
  }

  /** Backtests a portfolio model on a split of the loaded portfolio, with the baselines on the same bars. */
  async backtest(ref: PortfolioRef, split: PortfolioSplitName = 'test'): Promise<Outcome<PortfolioBacktestResult>> {
    return attempt(async () => {
      const bundle = await this.resolve(ref);
      const data = this.requireData('backtest a portfolio model');
      const r = await backtestPortfolioModel(bundle, data.market, data.report, split);
      const summary = summarisePortfolioBacktest(r.result, r.baselines);
      const value: PortfolioBacktestResult = { ...summary, split: r.split, inSample: r.inSample, name: bundle.name };
      return Comlink.transfer(value, portfolioSummaryBuffers(summary));
    });
  }

  /** The weights the model would rebalance to after the loaded portfolio's latest bar, from all cash. */
  async predict(ref: PortfolioRef): Promise<Outcome<PortfolioPrediction>> {
    return attempt(async () => {
      const bundle = await this.resolve(ref);
      const data = this.requireData('predict');
      return predictPortfolio(bundle, data.market, data.report);
    });
  }

  /** Saves a run's portfolio model (or a library one again) under a name, listed with its assets. */
  async saveModel(ref: PortfolioRef, name: string): Promise<Outcome<PortfolioMeta>> {
    return attempt(async () => {
      const bundle = { ...(await this.resolve(ref)), name: name.trim() || 'Untitled portfolio' };
      return (await this.library.open()).savePortfolio(bundle, serializePortfolioBundle(bundle));
    });
  }

  /** The model as `NAME.portfolio.json`'s text. */
  async exportModel(ref: PortfolioRef): Promise<Outcome<{ fileName: string; text: string }>> {
    return attempt(async () => {
      const bundle = await this.resolve(ref);
      return { fileName: `${fileSafe(bundle.name)}.portfolio.json`, text: serializePortfolioBundle(bundle) };
    });
  }

  /** Validates a portfolio model file and adds it to the library; a bad file (or a single-asset one) changes nothing. */
  async importModel(text: string, fileName: string): Promise<Outcome<PortfolioMeta>> {
    return attempt(async () => importPortfolioModel(await this.library.open(), text, fileName));
  }

  /** A run of this session or a library entry, read afresh (a rename or delete in another tab shows at once). */
  private async resolve(ref: PortfolioRef): Promise<PortfolioBundle> {
    const known = this.runs.get(ref);
    if (known) return known;
    if (ref.startsWith('saved:')) return parsePortfolioBundle(await (await this.library.open()).bundleText(ref.slice('saved:'.length)));
    throw new UsageError(`No portfolio model "${ref}" in this session. Train one first, or pick one from the library.`);
  }

  private requireData(what: string) {
    if (!this.data) throw new UsageError(`Load the portfolio's CSVs in the Portfolio panel to ${what}.`);
    return this.data;
  }
}

/** Parses a portfolio model file (the error starts with the file's name) and saves it. */
export async function importPortfolioModel(library: ModelLibrary, text: string, fileName: string): Promise<PortfolioMeta> {
  let bundle: PortfolioBundle;
  try {
    bundle = parsePortfolioBundle(text);
  } catch (error) {
    if (error instanceof Error) error.message = `${shortFileName(fileName)}: ${error.message}`;
    throw error;
  }
  return library.savePortfolio(bundle, text);
}

/** True when a model file's head declares the portfolio format (exports write `format` first), to route it before a full parse. */
export function isPortfolioModelText(text: string): boolean {
  return /"format"\s*:\s*"ppo-trading-lab\/portfolio-model"/.test(text.slice(0, 400));
}

function fileSummary(input: AssetInput): PortfolioFileSummary {
  const r = input.report;
  return {
    name: input.name,
    fileName: r.fileName,
    rowsRead: r.rowsRead,
    rowsKept: r.rowsKept,
    intervalLabel: r.intervalLabel,
    firstTime: r.firstTime,
    lastTime: r.lastTime,
    importDrops: r.drops.reduce((n, d) => n + d.count, 0),
    dropReasons: r.drops.map((d) => ({ message: d.message, count: d.count })),
    warnings: r.warnings,
  };
}

function usage<T>(message: string): Outcome<T> {
  return { ok: false, error: { kind: 'UsageError', message } };
}

function busy<T>(what: string): Outcome<T> {
  return usage(`A portfolio run is going; stop it before you ${what}.`);
}
