import { create } from 'zustand';
import {
  callback,
  labClient,
  type AlignOptions,
  type PortfolioBacktestResult,
  type PortfolioData,
  type PortfolioEvaluationPoint,
  type PortfolioPrediction,
  type PortfolioProgressPoint,
  type PortfolioRef,
  type PortfolioRunResult,
  type PortfolioSplitName,
  type PortfolioTrainingBatch,
} from '../api/labClient';
import { toUserError, type UserError } from '../core/errors';
import { ConfigError } from '../core/env/config';
import { checkFileSize, shortFileName } from '../core/model/validation';
import {
  portfolioDefaults,
  resolvePortfolioConfig,
  type PortfolioOverrides,
  type PortfolioTrainingConfig,
  type PortfolioVariant,
} from '../core/portfolio/trainingConfig';
import type { PortfolioSection } from '../core/portfolio/configFields';
import { useConfigStore } from './configStore';
import { downloadBlob } from './download';
import { useLabStore } from './labStore';
import { useLibraryStore } from './libraryStore';

export type PortfolioStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

interface PortfolioState {
  /** The loaded files' reports and their alignment; null until a portfolio is loaded. */
  data: PortfolioData | null;
  /** Files being imported and aligned, by name. */
  loading: string[] | null;
  align: AlignOptions;
  variant: PortfolioVariant;
  /** Only what the user changed; everything else comes from the variant's defaults. */
  overrides: PortfolioOverrides;
  status: PortfolioStatus;
  progress: PortfolioProgressPoint | null;
  episodes: { timesteps: number[]; reward: number[] };
  evaluation: PortfolioEvaluationPoint | null;
  best: PortfolioEvaluationPoint | null;
  result: PortfolioRunResult | null;
  /** The model Backtest and Predict use: the latest run, or a library model picked with "Use". */
  selected: { ref: PortfolioRef; name: string } | null;
  backtest: PortfolioBacktestResult | null;
  backtesting: boolean;
  prediction: PortfolioPrediction | null;
  predicting: boolean;

  loadFiles(files: File[]): Promise<void>;
  setAlign(options: Partial<AlignOptions>): void;
  setVariant(variant: PortfolioVariant): void;
  /** Sets one setting by section and key, e.g. ('env', 'transactionCost', 0.002). */
  setField(section: PortfolioSection, key: string, value: unknown): void;
  train(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  select(ref: PortfolioRef, name: string): void;
  runBacktest(split: PortfolioSplitName): Promise<void>;
  predict(): Promise<void>;
  save(name: string): Promise<boolean>;
  exportModel(ref: PortfolioRef): Promise<void>;
  importFile(file: File): Promise<void>;
  crashed(): void;
}

/** Small by default, so a first run finishes in a minute in the browser; the user raises the steps. */
export const DEFAULT_PORTFOLIO_OVERRIDES: PortfolioOverrides = {
  env: { lookback: 20, numEnvs: 4, episodeLength: 250 },
  ppo: { numSteps: 128, minibatchSize: 128, epochs: 4 },
  stop: { totalTimesteps: 20_000 },
};

const EMPTY_EPISODES = { timesteps: [], reward: [] };

export const usePortfolioStore = create<PortfolioState>((set, get) => {
  const fail = (error: UserError) => useLabStore.getState().showError(error);
  const unexpected = (what: string, error: unknown) =>
    fail({ kind: 'InternalError', message: `${what} failed: ${error instanceof Error ? error.message : String(error)}. Try again.` });

  const applyBatch = (batch: PortfolioTrainingBatch) =>
    set((s) => ({
      progress: batch.progress.at(-1) ?? s.progress,
      episodes: batch.episodes.reward.length
        ? {
            timesteps: s.episodes.timesteps.concat(Array.from(batch.episodes.timesteps)),
            reward: s.episodes.reward.concat(Array.from(batch.episodes.reward)),
          }
        : s.episodes,
      evaluation: batch.evaluation ?? s.evaluation,
      best: batch.evaluation?.isBest ? batch.evaluation : s.best,
    }));

  return {
    data: null,
    loading: null,
    align: { join: 'inner', maxFillBars: 3 },
    variant: 'standard',
    overrides: DEFAULT_PORTFOLIO_OVERRIDES,
    status: 'idle',
    progress: null,
    episodes: EMPTY_EPISODES,
    evaluation: null,
    best: null,
    result: null,
    selected: null,
    backtest: null,
    backtesting: false,
    prediction: null,
    predicting: false,

    async loadFiles(files) {
      if (get().loading || files.length === 0) return;
      set({ loading: files.map((f) => f.name) });
      try {
        const { join, maxFillBars } = get().align;
        const outcome = await labClient().portfolio.loadFiles(
          files.map((file) => ({ file, fileName: file.name })),
          { join, maxFillBars: join === 'inner' ? 0 : maxFillBars },
        );
        if (outcome.ok) {
          set({ data: outcome.value, backtest: null, prediction: null });
          useLabStore.getState().dismissError();
        } else fail(outcome.error);
      } catch (error) {
        unexpected('Loading the portfolio files', error);
      } finally {
        set({ loading: null });
      }
    },

    setAlign(options) {
      set((s) => ({ align: { ...s.align, ...options } }));
    },

    setVariant(variant) {
      set({ variant });
    },

    setField(section, key, value) {
      set((s) => ({ overrides: { ...s.overrides, [section]: { ...(s.overrides[section] as object | undefined), [key]: value } } }));
    },

    async train() {
      const s = get();
      if (isPortfolioBusy(s.status) || !s.data) return;
      set({ status: 'running', progress: null, episodes: EMPTY_EPISODES, evaluation: null, best: null, result: null, backtest: null });
      try {
        const outcome = await labClient().portfolio.train(
          { ...s.overrides, variant: s.variant },
          useConfigStore.getState().backend,
          callback(applyBatch),
        );
        if (outcome.ok) {
          const r = outcome.value;
          set({ status: r.stopReason === 'stopped' ? 'stopped' : 'done', result: r, selected: { ref: r.runId, name: r.name } });
          useLabStore.getState().dismissError();
        } else {
          set({ status: 'failed' });
          fail(outcome.error);
        }
      } catch (error) {
        set({ status: 'failed' });
        unexpected('Portfolio training', error);
      }
    },

    async pause() {
      if (get().status !== 'running') return;
      set({ status: 'paused' });
      await labClient().portfolio.pause();
    },

    async resume() {
      if (get().status !== 'paused') return;
      set({ status: 'running' });
      await labClient().portfolio.resume();
    },

    async stop() {
      if (!isPortfolioBusy(get().status)) return;
      await labClient().portfolio.stop();
    },

    select(ref, name) {
      set({ selected: { ref, name }, backtest: null, prediction: null });
    },

    async runBacktest(split) {
      const selected = get().selected;
      if (!selected) return;
      set({ backtesting: true });
      try {
        const outcome = await labClient().portfolio.backtest(selected.ref, split);
        if (outcome.ok) set({ backtest: outcome.value });
        else fail(outcome.error);
      } catch (error) {
        unexpected('The portfolio backtest', error);
      } finally {
        set({ backtesting: false });
      }
    },

    async predict() {
      const selected = get().selected;
      if (!selected) return;
      set({ predicting: true });
      try {
        const outcome = await labClient().portfolio.predict(selected.ref);
        if (outcome.ok) set({ prediction: outcome.value });
        else fail(outcome.error);
      } catch (error) {
        unexpected('The portfolio prediction', error);
      } finally {
        set({ predicting: false });
      }
    },

    async save(name) {
      const result = get().result;
      if (!result) return false;
      try {
        const outcome = await labClient().portfolio.saveModel(result.runId, name);
        if (!outcome.ok) {
          fail(outcome.error);
          return false;
        }
        await useLibraryStore.getState().refresh();
        return true;
      } catch (error) {
        unexpected('Saving the portfolio model', error);
        return false;
      }
    },

    async exportModel(ref) {
      try {
        const outcome = await labClient().portfolio.exportModel(ref);
        if (!outcome.ok) return fail(outcome.error);
        downloadBlob(new Blob([outcome.value.text], { type: 'application/json' }), outcome.value.fileName);
      } catch (error) {
        unexpected('Exporting the portfolio model', error);
      }
    },

    async importFile(file) {
      try {
        checkFileSize(file.size, `The model file ${shortFileName(file.name)}`);
        const outcome = await labClient().portfolio.importModel(await file.text(), file.name);
        if (!outcome.ok) fail(outcome.error);
        else {
          useLabStore.getState().dismissError();
          set({ selected: { ref: `saved:${outcome.value.id}`, name: outcome.value.name }, backtest: null, prediction: null });
        }
      } catch (error) {
        const userError = toUserError(error);
        if (userError) fail(userError);
        else unexpected(`Importing ${shortFileName(file.name)}`, error);
      }
      await useLibraryStore.getState().refresh();
    },

    crashed() {
      set((s) => ({
        status: isPortfolioBusy(s.status) ? 'failed' : s.status,
        data: null,
        result: null,
        selected: s.selected?.ref.startsWith('saved:') ? s.selected : null,
        backtesting: false,
        predicting: false,
      }));
    },
  };
});

export function isPortfolioBusy(status: PortfolioStatus): boolean {
  return status === 'running' || status === 'paused';
}

/**
 * What the form shows (the variant's defaults with the overrides over them, valid or not), the
 * config a run would use (null while a setting is wrong), and the error by field ('env.transactionCost')
 * as the worker would refuse it: resolvePortfolioConfig names the first field it finds wrong.
 */
export function effectivePortfolioConfig(
  variant: PortfolioVariant,
  overrides: PortfolioOverrides,
): { values: PortfolioTrainingConfig; valid: PortfolioTrainingConfig | null; errors: Record<string, string> } {
  const base = portfolioDefaults(variant);
  const values: PortfolioTrainingConfig = {
    ...base,
    seed: overrides.seed ?? base.seed,
    env: { ...base.env, ...overrides.env },
    ppo: { ...base.ppo, ...overrides.ppo },
    network: { ...base.network, ...overrides.network },
    stop: { ...base.stop, ...overrides.stop },
    eval: { ...base.eval, ...overrides.eval },
    split: { ...base.split, ...overrides.split },
  };
  try {
    return { values, valid: resolvePortfolioConfig({ ...overrides, variant }), errors: {} };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const field = error.field.replace(/^portfolio\./, '');
    return { values, valid: null, errors: { [field]: error.message.replace(/^Invalid setting [^:]+: /, '') } };
  }
}
