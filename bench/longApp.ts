// `npm run bench -- --long`, app half: the built app in Chromium trains Standard (default config) for
// M minutes while, every 10 s, we read the training worker's JS heap and tfjs tensor count, the page's
// JS heap, and the progress; long main-thread tasks are collected over the whole window.
import type { Browser, CDPSession, Page, Worker } from '@playwright/test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SAMPLE_EVERY_SECONDS } from './longCli';

const BYTES_PER_MB = 1024 * 1024;

export interface AppSample {
  seconds: number;
  /** Timesteps the progress bar showed. */
  timesteps: number;
  /** The lab worker's JavaScript bytes after a garbage collection (measureUserAgentSpecificMemory), MB. */
  workerHeapMB: number | null;
  /**
   * The page's JavaScript bytes after a garbage collection plus the unattributed "Shared" entry, MB.
   * In some readings Chromium moves 2–3.5 MB of the page's heap from its Window entry to "Shared"
   * (five of 36 samples in one run: Window 5.6 + Shared 3.9 MB, where the others read Window 8.7 +
   * Shared 0.6), so the Window entry alone sawed between ~5 and ~9 MB with nothing freed; the sum
   * does not. It can only over-count the page by the little "Shared" holds otherwise.
   */
  pageHeapMB: number | null;
  /** The page's used JS heap as DevTools reports it (JSHeapUsedSize, garbage included), MB. */
  pageHeapUsedMB: number;
  /** tf.memory() in the worker. */
  numTensors: number;
  tensorMB: number;
  /** The tfjs WASM backend's WebAssembly memory, MB (it only grows); null on other backends. */
  wasmHeapMB: number | null;
  /** How long reading this sample took, ms. */
  readMs: number;
}

export interface AppMemoryRun {
  backend: string | null;
  variant: string;
  minutes: number;
  samples: AppSample[];
  longTasks: {
    longestMs: number;
    over50ms: number;
    /** Each task over 50 ms: seconds into the window and its length. */
    tasks: { atSeconds: number; ms: number }[];
    /** How many began while we were reading a sample (its heap measurement runs a collection on the main thread too). */
    duringSampling: number;
  };
  /** Why sampling stopped before the window ended, e.g. the run finished or failed. */
  stoppedEarly: string | null;
}

/**
 * Chromium flag that makes performance.measureUserAgentSpecificMemory() measure at once (after a GC)
 * instead of waiting up to ~20 s for the next one; it is the only heap figure Chromium gives for a
 * dedicated worker (performance.memory does not exist there).
 */
export const EAGER_MEMORY_MEASUREMENT = '--enable-blink-features=ForceEagerMeasureMemory';

interface MemoryBreakdown {
  breakdown: { bytes: number; attribution: { url: string; scope: string }[]; types: string[] }[];
}

export async function measureAppMemory(
  browser: Browser,
  base: string,
  minutes: number,
  log: (line: string) => void,
): Promise<AppMemoryRun> {
  const page = await browser.newPage();
  try {
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(base);
    await page.getByTestId('import-report').waitFor();
    await page.getByTestId('tab-train').click();
    await page.getByTestId('variant-select').selectOption('standard');
    await page.getByTestId('backend-badge').and(page.locator('[data-backend]')).waitFor({ timeout: 60_000 });
    const backend = await page.getByTestId('backend-badge').getAttribute('data-backend');
    // A budget the run cannot finish in the window, so all of it is spent training.
    await page.getByTestId('train-steps').fill('100000000');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-progress').and(page.locator('[data-status="running"]')).waitFor({ timeout: 60_000 });
    const worker = labWorker(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');

    const started = Date.now();
    const windowStart = await page.evaluate(() => performance.now());
    const samples: AppSample[] = [];
    // Page-clock spans of each reading, to tell the app's own long tasks from the measurement's.
    const samplingSpans: [number, number][] = [];
    let stoppedEarly: string | null = null;
    for (let k = 1; k * SAMPLE_EVERY_SECONDS <= minutes * 60; k++) {
      await sleep(Math.max(0, started + k * SAMPLE_EVERY_SECONDS * 1000 - Date.now()));
      const status = await page.getByTestId('train-progress').getAttribute('data-status');
      if (status !== 'running') {
        stoppedEarly = `the training run was "${status}" at ${k * SAMPLE_EVERY_SECONDS} s`;
        break;
      }
      const spanStart = await page.evaluate(() => performance.now());
      const reading = await readSample(page, worker, cdp, k * SAMPLE_EVERY_SECONDS);
      const spanEnd = await page.evaluate(() => performance.now());
      samplingSpans.push([spanStart, spanEnd]);
      const sample = { ...reading, readMs: Math.round(spanEnd - spanStart) };
      samples.push(sample);
      log(
        `  App ${sample.seconds} s: worker heap ${mb(sample.workerHeapMB)} MB, page heap ${mb(sample.pageHeapMB)} MB, ` +
          `${sample.numTensors} tensors, ${sample.timesteps} steps`,
      );
    }
    const tasks = await page.evaluate(
      (since) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((e) => e.start >= since),
      windowStart,
    );
    await page.getByTestId('train-stop').click();
    return {
      backend,
      variant: 'standard',
      minutes,
      samples,
      longTasks: {
        longestMs: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
        over50ms: tasks.length,
        tasks: tasks.map((t) => ({ atSeconds: Math.round((t.start - windowStart) / 100) / 10, ms: Math.round(t.duration) })),
        duringSampling: tasks.filter((t) => samplingSpans.some(([from, to]) => t.start >= from && t.start <= to)).length,
      },
      stoppedEarly,
    };
  } finally {
    await page.close();
  }
}

/** The app's training worker (src/api/labClient.ts starts workers/lab.worker.ts); it exists once data has loaded. */
function labWorker(page: Page): Worker {
  const worker = page.workers().find((w) => w.url().includes('lab.worker'));
  if (!worker) {
    const urls = page.workers().map((w) => w.url());
    throw new Error(`No lab worker among the page's workers (${urls.join(', ') || 'none'}); has the app's worker file been renamed?`);
  }
  return worker;
}

async function readSample(page: Page, worker: Worker, cdp: CDPSession, seconds: number) {
  // tfjs keeps its engine on the global object (so that several copies of tfjs share one), which is
  // how a Playwright evaluation in the worker reaches tf.memory() without a hook in the app.
  const tensors = await worker.evaluate(() => {
    const engine = (
      globalThis as unknown as {
        _tfengine?: {
          memory(): { numTensors: number; numBytes: number };
          backendInstance?: { wasm?: { HEAPU8?: Uint8Array } } | null;
        };
      }
    )._tfengine;
    if (!engine) return null;
    const { numTensors, numBytes } = engine.memory();
    return { numTensors, numBytes, wasmBytes: engine.backendInstance?.wasm?.HEAPU8?.byteLength ?? null };
  });
  if (!tensors) throw new Error('tfjs has no engine in the lab worker (globalThis._tfengine); has tfjs changed how it registers it?');
  const memory = await page.evaluate(() =>
    (performance as unknown as { measureUserAgentSpecificMemory(): Promise<MemoryBreakdown> }).measureUserAgentSpecificMemory(),
  );
  const bytesOf = (matches: (a: { url: string; scope: string }) => boolean) =>
    memory.breakdown.filter((b) => b.attribution.length === 1 && matches(b.attribution[0])).reduce((sum, b) => sum + b.bytes, 0);
  const workerBytes = bytesOf((a) => a.scope === 'DedicatedWorkerGlobalScope' && a.url === worker.url());
  const pageBytes = bytesOf((a) => a.scope === 'Window');
  const sharedBytes = memory.breakdown
    .filter((b) => b.attribution.length === 0 && b.types.includes('Shared'))
    .reduce((sum, b) => sum + b.bytes, 0);
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heapUsed = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const timesteps = Number(await page.getByTestId('train-progress').getAttribute('data-timesteps'));
  return {
    seconds,
    timesteps,
    workerHeapMB: workerBytes > 0 ? workerBytes / BYTES_PER_MB : null,
    pageHeapMB: pageBytes > 0 ? (pageBytes + sharedBytes) / BYTES_PER_MB : null,
    pageHeapUsedMB: heapUsed / BYTES_PER_MB,
    numTensors: tensors.numTensors,
    tensorMB: tensors.numBytes / BYTES_PER_MB,
    wasmHeapMB: tensors.wasmBytes === null ? null : tensors.wasmBytes / BYTES_PER_MB,
  } satisfies Omit<AppSample, 'readMs'>;
}

function mb(value: number | null): string {
  return value === null ? '—' : value.toFixed(1);
}
