// `npm run bench`: measures Node (WASM) and headless Chromium (each tfjs backend, in a worker as the
// app runs it), plus the app's longest main-thread task while training. Prints a table and writes
// bench/results/latest.json and a dated copy. A tool, not a test: it asserts nothing. `--long` runs only
// the long-run memory measurements instead (bench/long.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, serveBuild } from './browser';
import { runLongBench } from './long';
import { runNodeBench } from './node';
import { LARGE_MINIBATCH, networkCaseLabel, threadsLabel, type BenchResult, type PpoFigures } from './measure';
import type { BrowserBenchOptions } from './bench.worker';

const quick = process.argv.includes('--quick');

type BrowserRow = Partial<BenchResult> & { backend: string; adapter: string | null; error?: string };

async function main() {
  const started = Date.now();
  console.error('Node (WASM)…');
  const node = await runNodeBench('wasm', quick ? 1 : 3);

  console.error('Building the app and the bench page…');
  const { base, close } = await serveBuild({ app: 'index.html', bench: 'bench/bench.html' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const browserRows: BrowserRow[] = [];
  let mainThread: { longestTaskMs: number; tasksOver50ms: number; backend: string | null; threads: number } | null = null;
  let mainThreadError: string | null = null;
  try {
    const plan: [string, BrowserBenchOptions][] = [
      ['wasm', { updates: quick ? 1 : 3, variants: ['standard', 'enhanced-maskable'], full: true }],
      ['webgl', { updates: 1, variants: ['standard'], full: false }],
      ['cpu', { updates: 1, variants: ['standard'], full: false }],
      ['webgpu', { updates: 1, variants: ['standard'], full: false }],
    ];
    for (const [backend, options] of plan) {
      console.error(`Chromium ${backend}…`);
      const page = await browser.newPage();
      try {
        await page.goto(`${base}bench/bench.html`);
        await page.waitForFunction(() => 'runBench' in window);
        browserRows.push(
          await page.evaluate(
            ([b, o]) => (window as unknown as { runBench: (b: string, o: unknown) => Promise<BrowserRow> }).runBench(b, o),
            [backend, options] as const,
          ),
        );
      } catch (error) {
        browserRows.push({ backend, adapter: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
      } finally {
        await page.close();
      }
    }
    console.error('App main thread during 30 s of training…');
    try {
      mainThread = await appMainThread(await browser.newPage(), base, quick ? 10_000 : 30_000);
    } catch (error) {
      // Keep every other figure: report what went wrong instead.
      mainThreadError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    }
  } finally {
    await browser.close();
    await close();
  }

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length },
    node,
    browser: browserRows,
    mainThread,
    mainThreadError,
    seconds: (Date.now() - started) / 1000,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify(result, null, 2));
  writeFileSync(`bench/results/${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`, JSON.stringify(result, null, 2));
  console.log(table(node, browserRows, mainThread));
  if (mainThreadError) console.log(`App main thread while training: not measured (${mainThreadError})`);
  console.log('\nWritten to bench/results/latest.json');
}

async function appMainThread(page: Page, base: string, ms: number) {
  await page.addInitScript(() => {
    const w = window as unknown as { __lt: number[] };
    w.__lt = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__lt.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await page.goto(base);
  await page.getByTestId('import-report').waitFor();
  // The training controls live on the Train tab; a hidden panel's fields cannot be filled.
  await page.getByTestId('tab-train').click();
  await page.getByTestId('backend-badge').and(page.locator('[data-backend]')).waitFor({ timeout: 60_000 });
  const backend = await page.getByTestId('backend-badge').getAttribute('data-backend');
  // A budget the run cannot finish in `ms`, so the whole window is spent training, on every core.
  await page.getByTestId('train-steps').fill('100000000');
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  await page.getByTestId('threads-input').fill(String(threads));
  await page.evaluate(() => ((window as unknown as { __lt: number[] }).__lt = []));
  await page.getByTestId('train-start').click();
  await page.waitForTimeout(ms);
  const tasks = await page.evaluate(() => (window as unknown as { __lt: number[] }).__lt);
  const status = await page.getByTestId('train-progress').getAttribute('data-status');
  if (status !== 'running')
    throw new Error(
      `The app's training run was "${status}" before the ${ms / 1000} s window ended; the main-thread figure would not cover training.`,
    );
  await page.getByTestId('train-stop').click();
  await page.close();
  return { longestTaskMs: Math.round(Math.max(0, ...tasks)), tasksOver50ms: tasks.length, backend, threads };
}

function table(
  node: BenchResult,
  rows: BrowserRow[],
  mainThread: { longestTaskMs: number; tasksOver50ms: number; backend: string | null; threads: number } | null,
): string {
  const f = (x: number | undefined, d = 1) => (x === undefined ? '—' : x.toFixed(d));
  const share = (p: PpoFigures) =>
    Number.isFinite(p.updatePercentOfPeak)
      ? `${f(p.updatePercentOfPeak, 0)}% of ${p.threads > 1 ? `${p.threads} cores' peak` : 'peak'}`
      : "update in our WebAssembly kernels, not this backend's";
  const ppo = (p: PpoFigures | undefined) =>
    p
      ? `${f(p.endToEndStepsPerSecond, 0)} (rollout ${f(p.rolloutStepsPerSecond, 0)}, update ${f(p.updateSamplesPerSecond, 0)} samples/s, ${share(p)})`
      : '—';
  const lines = [
    '| where | threads | matmul GFLOP/s 64×963·963×256 / 512×963·963×256 / 1024³ | Standard env steps/s | Enhanced env steps/s | Standard, minibatch 256 |',
    '|---|---|---|---|---|---|',
  ];
  const row = (label: string, r: Partial<BenchResult> & { error?: string }) => {
    if (r.error) return `| ${label} | | ${r.error} | | | |`;
    const m = r.matmulGflops ?? {};
    return `| ${label} | 1 | ${f(m['64x963x256'])} / ${f(m['512x963x256'])} / ${f(m['1024x1024x1024'])} | ${ppo(r.ppo?.standard)} | ${ppo(r.ppo?.['enhanced-maskable'])} | ${ppo(r.ppo?.[LARGE_MINIBATCH])} |`;
  };
  // The same variants on every logical core, and the scaling over the one-thread row just above.
  const threadRow = (label: string, r: Partial<BenchResult>) => {
    const n = r.threads ?? 1;
    if (n < 2 || !r.ppo || Object.keys(r.scaling ?? {}).length === 0) return null;
    const cell = (variant: 'standard' | 'enhanced-maskable') => {
      const p = r.ppo?.[threadsLabel(variant, n)];
      const scale = r.scaling?.[variant];
      if (!p) return '—';
      const note = p.threads < n ? `, ran on ${p.threads}: ${p.threadsNote}` : '';
      const one = r.ppo?.[threadsLabel(variant, 1)];
      const rounds = (r.scalingRounds?.[variant] ?? []).map((x) => f(x, 2)).join(' / ');
      return `${ppo(p)}, **×${f(scale, 2)}** over 1 thread (${f(one?.endToEndStepsPerSecond, 0)} in the same round; rounds ${rounds})${note}`;
    };
    return `| ${label} | ${n} | | ${cell('standard')} | ${cell('enhanced-maskable')} | |`;
  };
  lines.push(row(`Node ${node.backend}`, node));
  const nodeThreads = threadRow(`Node ${node.backend}`, node);
  if (nodeThreads) lines.push(nodeThreads);
  for (const r of rows) {
    const label = `Chromium ${r.backend}${r.adapter && r.backend === 'webgpu' ? ` (${r.adapter})` : ''}`;
    lines.push(row(label, r));
    const threaded = threadRow(label, r);
    if (threaded) lines.push(threaded);
  }
  const wasm = rows.find((r) => r.backend === 'wasm');
  lines.push('');
  const steps = (p: PpoFigures | undefined) =>
    p ? `${f(p.endToEndStepsPerSecond, 0)} env steps/s (update ${f(p.updateSamplesPerSecond, 0)} samples/s)` : '—';
  const cases = (r: Partial<BenchResult> | undefined) =>
    `scalar ${steps(r?.ppo?.standard)}, quantile critic ${steps(r?.ppo?.[networkCaseLabel('standard', 'quantile')])}, ` +
    `dropout 0.1 ${steps(r?.ppo?.[networkCaseLabel('standard', 'dropout')])}`;
  lines.push(`Standard's critic and dropout, Node: ${cases(node)}`);
  lines.push(`Standard's critic and dropout, Chromium wasm: ${cases(wasm)}`);
  lines.push(`450k-row minute CSV import + features: Node ${f(node.importSeconds450k, 2)} s, Chromium ${f(wasm?.importSeconds450k, 2)} s`);
  lines.push(`100k-bar backtest: Node ${f(node.backtestSeconds100k, 2)} s, Chromium ${f(wasm?.backtestSeconds100k, 2)} s`);
  const mc = (r: Partial<BenchResult> | undefined) =>
    r?.monteCarloSeconds100k ? `${f(r.monteCarloSeconds100k.blocks, 2)} s + ${f(r.monteCarloSeconds100k.retimings, 2)} s` : '—';
  lines.push(`Monte Carlo of a 100k-bar backtest (1,000 block resamples + 1,000 re-timings): Node ${mc(node)}, Chromium ${mc(wasm)}`);
  lines.push(
    `Tensors from update 5 to 55: Node ${node.tensors.before} → ${node.tensors.after50} (${node.tensors.bytesBefore} → ${node.tensors.bytesAfter50} bytes)`,
  );
  if (mainThread)
    lines.push(
      `App main thread while training (${mainThread.backend}, ${mainThread.threads} threads): longest task ${mainThread.longestTaskMs} ms, ${mainThread.tasksOver50ms} tasks over 50 ms`,
    );
  return lines.join('\n');
}

(process.argv.includes('--long') ? runLongBench(process.argv.slice(2)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
