import * as Comlink from 'comlink';
import { startBackend, type BackendChoice } from '../workers/backend';
import {
  bestOf,
  importAndBacktest,
  monteCarlo100k,
  LARGE_MINIBATCH,
  matmulPeak,
  NETWORK_CASES,
  networkCaseLabel,
  peakOf,
  withPeak,
  ppoThroughput,
  tensorDrift,
  threadRuns,
  type BenchResult,
  type PpoFigures,
} from './measure';
import type { Variant } from '../src/core/ppo/config';
import { useBrowserStepThreads } from '../workers/stepThreads';

useBrowserStepThreads();

export interface BrowserBenchOptions {
  updates: number;
  variants: Variant[];
  /** Also time import, backtest and tensor drift (backend-independent or slow; done once). */
  full: boolean;
}

const api = {
  async run(
    backend: BackendChoice,
    options: BrowserBenchOptions,
  ): Promise<Partial<BenchResult> & { backend: string; adapter: string | null; error?: string }> {
    const info = await startBackend(backend);
    if (info.name !== backend)
      return { backend, adapter: info.adapter, error: `did not start: ${info.failures.map((f) => f.reason).join('; ')}` };
    // A 1024³ product on a software GPU runs long enough to trip the GPU watchdog; slow backends skip it.
    const slow = backend === 'cpu' || backend === 'webgpu';
    const before = await matmulPeak(slow ? 5 : 20, slow);
    const ppo: Record<string, PpoFigures> = {};
    for (const variant of options.variants) ppo[variant] = await ppoThroughput(variant, options.updates);
    const threads = navigator.hardwareConcurrency;
    const { scaling, rounds: scalingRounds } = options.full
      ? await threadRuns(ppo, options.variants, options.updates, threads)
      : { scaling: {}, rounds: {} };
    if (options.full) {
      ppo[LARGE_MINIBATCH] = await ppoThroughput('standard', options.updates, { ppo: { minibatchSize: 256 } });
      for (const networkCase of ['quantile', 'dropout'] as const) {
        ppo[networkCaseLabel('standard', networkCase)] = await ppoThroughput('standard', options.updates, {
          network: NETWORK_CASES[networkCase],
        });
      }
    }
    const matmulGflops = bestOf(before, await matmulPeak(slow ? 5 : 20, slow));
    withPeak(ppo, peakOf(matmulGflops), backend);
    const result: Partial<BenchResult> & { backend: string; adapter: string | null } = {
      backend,
      adapter: info.adapter,
      threads,
      scaling,
      scalingRounds,
      matmulGflops,
      ppo,
    };
    if (options.full) {
      const { importSeconds, backtestSeconds } = await importAndBacktest();
      result.importSeconds450k = importSeconds;
      result.backtestSeconds100k = backtestSeconds;
      result.monteCarloSeconds100k = await monteCarlo100k();
      result.tensors = await tensorDrift();
    }
    return result;
  },
};

export type BenchWorkerApi = typeof api;
Comlink.expose(api);
