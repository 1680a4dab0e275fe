// Issue #19 probe: trains Standard on all threads in the built app for M minutes and records what the
// page's main thread and the lab worker do: long animation frames with script attribution, long tasks,
// the worker's event-loop stalls (a 50 ms interval timer's lateness, measured inside the worker), the
// page's JS heap (used, and after a forced GC at the start and the end only), and the charts' point
// counts. `npx tsx bench/mainThreadProbe.ts [minutes] [out.json]`.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, serveBuild } from './browser';

interface Loaf {
  start: number;
  duration: number;
  blocking: number;
  scripts: { url: string; fn: string; at: number; invoker: string; ms: number; layoutMs: number }[];
}

const minutes = Number(process.argv[2] ?? 6);
const out = process.argv[3] ?? 'bench/results/probe.json';

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 2 ** 20;
}

async function main(): Promise<void> {
  const { base, close } = await serveBuild({ app: 'index.html' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page: Page = await browser.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __loaf: Loaf[]; __lt: { start: number; duration: number }[] };
      w.__loaf = [];
      w.__lt = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as {
          startTime: number;
          duration: number;
          blockingDuration: number;
          scripts: {
            sourceURL: string;
            sourceFunctionName: string;
            sourceCharPosition: number;
            invoker: string;
            duration: number;
            forcedStyleAndLayoutDuration: number;
          }[];
        }[]) {
          if (e.duration < 50) continue;
          w.__loaf.push({
            start: e.startTime,
            duration: e.duration,
            blocking: e.blockingDuration,
            scripts: e.scripts.map((s) => ({
              url: s.sourceURL.replace(/^.*\//, ''),
              fn: s.sourceFunctionName,
              at: s.sourceCharPosition,
              invoker: s.invoker,
              ms: Math.round(s.duration),
              layoutMs: Math.round(s.forcedStyleAndLayoutDuration),
            })),
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__lt.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    // Keep the page's workers, to time a message's round trip to the lab worker.
    await page.addInitScript(`{
      const Native = window.Worker;
      window.__workers = [];
      window.Worker = class extends Native {
        constructor(url, options) {
          super(url, options);
          window.__workers.push(this);
        }
      };
    }`);
    await page.goto(base);
    await page.getByTestId('import-report').waitFor();
    await page.getByTestId('tab-train').click();
    await page.getByTestId('variant-select').selectOption('standard');
    await page.getByTestId('backend-badge').and(page.locator('[data-backend]')).waitFor({ timeout: 60_000 });
    const backend = await page.getByTestId('backend-badge').getAttribute('data-backend');
    await page.getByTestId('train-steps').fill('100000000');
    const threads = await page.evaluate(() => navigator.hardwareConcurrency);
    await page.getByTestId('threads-input').fill(String(threads));
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-progress').and(page.locator('[data-status="running"]')).waitFor({ timeout: 60_000 });
    const worker = page.workers().find((w) => w.url().includes('lab.worker'));
    if (!worker) throw new Error('no lab worker');
    // The worker's own clock: a 50 ms timer that cannot fire while the worker runs JavaScript without yielding.
    await worker.evaluate(() => {
      const g = globalThis as unknown as { __stalls: { at: number; ms: number }[] };
      g.__stalls = [];
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        if (now - last > 250) g.__stalls.push({ at: Math.round(last), ms: Math.round(now - last) });
        last = now;
      }, 50);
    });
    // A message the worker answers from its own event loop (Comlink ignores it): the round trip is how
    // long a Pause or Stop waits for the worker to take it.
    await worker.evaluate(() =>
      self.addEventListener('message', (e: MessageEvent) => {
        const probe = (e.data as { __probe?: number } | null)?.__probe;
        if (probe !== undefined) self.postMessage({ __probeReply: probe });
      }),
    );
    // A string, not a function: tsx's keepNames would wrap named helpers in __name, absent in the page.
    const roundTrip = () =>
      page.evaluate(`new Promise((resolve) => {
        const labs = window.__workers;
        const id = Math.random();
        const t0 = performance.now();
        function onReply(e) {
          if (e.data?.__probeReply !== id) return;
          for (const x of labs) x.removeEventListener('message', onReply);
          resolve(performance.now() - t0);
        }
        for (const x of labs) x.addEventListener('message', onReply);
        for (const x of labs) x.postMessage({ __probe: id });
      })`) as Promise<number>;
    const latencies: number[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        latencies.push(Math.round(await roundTrip()));
        await sleep(1000);
      }
    })();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const gcSpans: [number, number][] = [];
    const gcHeap = async () => {
      const from = await page.evaluate(() => performance.now());
      const mb = await heapAfterGc(cdp);
      gcSpans.push([from, await page.evaluate(() => performance.now())]);
      return mb;
    };
    const heapFirst = await gcHeap();
    const windowStart = await page.evaluate(() => performance.now());
    const started = Date.now();
    const samples: { s: number; steps: number; episodes: number; updates: number; usedMB: number }[] = [];
    for (let k = 1; k * 10 <= minutes * 60; k++) {
      await sleep(Math.max(0, started + k * 10_000 - Date.now()));
      const { metrics } = await cdp.send('Performance.getMetrics');
      const used = (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
      const steps = Number(await page.getByTestId('train-progress').getAttribute('data-timesteps'));
      const episodes = Number(await page.getByTestId('chart-reward').getAttribute('data-points'));
      const updates = Number(await page.locator('[data-testid="chart-policyLoss"]').getAttribute('data-points'));
      samples.push({ s: k * 10, steps, episodes, updates, usedMB: Math.round(used * 100) / 100 });
      console.error(`${k * 10} s: ${steps} steps, ${episodes} episodes, ${updates} updates, used heap ${used.toFixed(2)} MB`);
    }
    probing = false;
    await probeLoop;
    const heapLast = await gcHeap();
    const stalls = await worker.evaluate(() => (globalThis as unknown as { __stalls: { at: number; ms: number }[] }).__stalls);
    const { loaf, lt } = await page.evaluate((since) => {
      const w = window as unknown as { __loaf: Loaf[]; __lt: { start: number; duration: number }[] };
      return { loaf: w.__loaf.filter((e) => e.start >= since), lt: w.__lt.filter((e) => e.start >= since) };
    }, windowStart);
    const inGc = (t: number) => gcSpans.some(([a, b]) => t >= a - 5 && t <= b + 5);
    const result = {
      minutes,
      backend,
      threads,
      heapAfterGcMB: { first: heapFirst, last: heapLast },
      longTasks: {
        count: lt.length,
        longestMs: Math.round(Math.max(0, ...lt.map((t) => t.duration))),
        tasks: lt.map((t) => ({ at: Math.round((t.start - windowStart) / 100) / 10, ms: Math.round(t.duration), duringGc: inGc(t.start) })),
      },
      loaf: loaf.map((e) => ({ ...e, at: Math.round((e.start - windowStart) / 100) / 10, duringGc: inGc(e.start) })),
      workerStalls: {
        count: stalls.length,
        longestMs: Math.max(0, ...stalls.map((s) => s.ms)),
        over1s: stalls.filter((s) => s.ms > 1000).length,
        all: stalls.map((s) => s.ms),
      },
      messageRoundTripMs: {
        count: latencies.length,
        longest: Math.max(0, ...latencies),
        over1s: latencies.filter((l) => l > 1000).length,
        median: [...latencies].sort((a, b) => a - b)[latencies.length >> 1],
        all: latencies,
      },
      samples,
    };
    writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(JSON.stringify({ ...result, samples: samples.filter((_, i) => i % 6 === 5), loaf: result.loaf.slice(0, 20) }, null, 1));
    await page.getByTestId('train-stop').click();
  } finally {
    await browser.close();
    await close();
  }
}

await main();
