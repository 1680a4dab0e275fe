// `npm run bench -- --long`, CLI half: the real `train` command in a child process (Standard, default
// config, WASM), its resident memory read every 10 s, with the progress it had printed by then.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const SAMPLE_EVERY_SECONDS = 10;
const SAMPLE_DATA = 'public/sample/sample-ohlcv.csv';
// 1 MB here is 1024 × 1024 bytes, as /proc and ps count kilobytes of 1024 bytes.
const KB_PER_MB = 1024;

export interface CliSample {
  seconds: number;
  rssMB: number;
  /** Timesteps of the last progress line the CLI had printed, null before the first. */
  timesteps: number | null;
}

export interface CliMemoryRun {
  /** The command line, with the temporary output folder as it was. */
  command: string;
  exitCode: number | null;
  seconds: number;
  totalTimesteps: number;
  samples: CliSample[];
  /** Where RSS was read: /proc/<pid>/status (VmRSS) or `ps -o rss=`. */
  rssSource: 'proc' | 'ps';
  /** The child's peak RSS (VmHWM) at the last sample; null when read through ps. */
  peakRssMB: number | null;
  /** The CLI's "Saved … steps/s" line. */
  finalLine: string | null;
  /** The last lines of the child's stderr, to say why a run failed. */
  stderrTail: string[];
}

/** Trains through the CLI for `steps` steps, sampling the child's RSS; the model goes to a temporary folder, removed afterwards. */
export async function measureCliMemory(steps: number, log: (line: string) => void): Promise<CliMemoryRun> {
  const dir = await mkdtemp(join(tmpdir(), 'ppo-long-'));
  const args = [
    '--import',
    'tsx',
    'cli/main.ts',
    'train',
    '--data',
    SAMPLE_DATA,
    '--type',
    'standard',
    '--steps',
    String(steps),
    '--backend',
    'wasm',
    '--seed',
    '1',
    '--output',
    join(dir, 'long-model'),
    '--no-record',
  ];
  const rssSource = existsSync('/proc/self/status') ? 'proc' : 'ps';
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let timesteps: number | null = null;
  let finalLine: string | null = null;
  const stderrTail: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const progress = /timesteps (\d+)\/\d+/.exec(line);
    if (progress) timesteps = Number(progress[1]);
    if (/^Saved .* steps\/s$/.test(line)) finalLine = line;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
  });

  const samples: CliSample[] = [];
  let peakRssMB: number | null = null;
  try {
    for (let k = 1; ; k++) {
      const due = started + k * SAMPLE_EVERY_SECONDS * 1000 - Date.now();
      const finished = await Promise.race([exited.then(() => true), sleep(Math.max(0, due)).then(() => false)]);
      if (finished) break;
      const reading = await readRss(child.pid ?? -1, rssSource);
      if (!reading) continue;
      peakRssMB = reading.peakMB ?? peakRssMB;
      samples.push({ seconds: k * SAMPLE_EVERY_SECONDS, rssMB: reading.rssMB, timesteps });
      log(`  CLI ${k * SAMPLE_EVERY_SECONDS} s: RSS ${reading.rssMB.toFixed(1)} MB, ${timesteps ?? 0}/${steps} steps`);
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const exitCode = await exited;
  await rm(dir, { recursive: true, force: true });
  return {
    command: `node ${args.join(' ')}`,
    exitCode,
    seconds: (Date.now() - started) / 1000,
    totalTimesteps: steps,
    samples,
    rssSource,
    peakRssMB,
    finalLine,
    stderrTail,
  };
}

/** The process's RSS (and peak, from /proc), or null once it has exited between the check and the read. */
async function readRss(pid: number, source: 'proc' | 'ps'): Promise<{ rssMB: number; peakMB: number | null } | null> {
  if (source === 'ps') {
    // ps exits non-zero once the pid is gone: the run ended between the timer and the read.
    const { stdout } = await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(pid)]).catch(() => ({ stdout: '' }));
    const kb = Number(stdout.trim());
    return stdout.trim() && Number.isFinite(kb) ? { rssMB: kb / KB_PER_MB, peakMB: null } : null;
  }
  // The child can exit between the timer and the read; its file is gone then, and so is the sample.
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (status === null) return null;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const rss = kb('VmRSS');
  const peak = kb('VmHWM');
  return Number.isFinite(rss) ? { rssMB: rss / KB_PER_MB, peakMB: Number.isFinite(peak) ? peak / KB_PER_MB : null } : null;
}
