import { spawn } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importCsv, type ImportResult } from '../src/core/data';
import { ConfigError } from '../src/core/env/config';
import { UsageError } from '../src/core/errors';
import { resolveTrainingConfig } from '../src/core/ppo/config';
import { fingerprint, trainModel } from '../src/core/workflow/session';
import {
  describeParameters,
  halvingRungs,
  parseSweepSpec,
  promote,
  sweepId,
  sweepTrials,
  trialOverrides,
} from '../src/core/experiments/sweep';
import {
  failedRunRecord,
  parseRunRecord,
  runRecordFromTraining,
  runRecordsToJsonl,
  TrainingCurveRecorder,
} from '../src/core/experiments/runRecord';
import type { RunRecord, SweepSpec, SweepTrial } from '../src/core/experiments/types';
import { useNodeBackend } from './backend';
import {
  kubernetesManifest,
  parseMemory,
  parseTimeLimit,
  parseVolume,
  POD_PATHS,
  slurmScript,
  type TrialResources,
} from './clusterTargets';
import { backendOption, formatDuration, requireString, userMessage, type CliIo } from './commands';
import { checkOutputs, openInput, readInput, writeOutput, type FileFlag } from './files';
import { integerFlag, parseFlags, type Flags } from './flags';
import { commandOptions, COMMANDS } from './spec';

/**
 * `sweep run | export | collect` (issue #20). A trial is one trainModel run of the spec's base with
 * the trial's parameter values; its run record goes to OUT/result-<i>.json, whoever runs it: this
 * process, a child process of `--parallel`, a Slurm array task or a Kubernetes pod.
 */

const SUBCOMMANDS = COMMANDS.sweep.subcommands!;
const CLI_MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const CHECKOUT = dirname(dirname(CLI_MAIN));

export async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'run':
      return sweepRun(rest, io);
    case 'export':
      return sweepExport(rest, io);
    case 'collect':
      return sweepCollect(rest, io);
    default:
      throw new UsageError(
        `${sub === undefined ? 'Missing' : `Unknown`} sweep subcommand${sub === undefined ? '' : ` "${sub}"`}: use sweep run, sweep export or sweep collect (see sweep --help).`,
      );
  }
}

/** The result file of a trial: the final one, or a halving rung's. */
export function resultFile(dir: string, trial: number, rung?: number): string {
  return join(dir, rung === undefined ? `result-${trial}.json` : `result-${trial}-r${rung}.json`);
}

interface LoadedSpec {
  spec: SweepSpec;
  specPath: string;
  /** The data file, resolved against the spec file's folder. */
  dataPath: string;
  id: string;
  trials: SweepTrial[];
}

async function loadSpec(path: string): Promise<LoadedSpec> {
  const text = await readInput({ flag: '--spec', path });
  let spec: SweepSpec;
  try {
    spec = parseSweepSpec(text);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--spec ${path}: ${error.message}`);
    throw error;
  }
  return {
    spec,
    specPath: resolve(path),
    dataPath: isAbsolute(spec.data) ? spec.data : resolve(dirname(path), spec.data),
    id: sweepId(spec),
    trials: sweepTrials(spec),
  };
}

async function ensureDir(dir: FileFlag): Promise<void> {
  try {
    await mkdir(dir.path, { recursive: true });
  } catch (error) {
    throw new UsageError(`${dir.flag} ${dir.path}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  if (!(await stat(dir.path)).isDirectory()) throw new UsageError(`${dir.flag} ${dir.path} is a file; give a folder.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    // Missing (or unreadable, which the later read reports with the file's name).
    return false;
  }
}

async function readResult(path: string): Promise<RunRecord> {
  return parseRunRecord(await readInput({ flag: 'sweep result', path }), path);
}

// ---------------------------------------------------------------- run

interface RunContext {
  loaded: LoadedSpec;
  outDir: string;
  backend: string;
  io: CliIo;
}

async function sweepRun(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, commandOptions(SUBCOMMANDS.run));
  const loaded = await loadSpec(requireString(values.spec, '--spec'));
  const out: FileFlag = { flag: '--out', path: requireString(values.out, '--out') };
  await ensureDir(out);
  await checkOutputs([{ flag: '--out', path: join(out.path, '.write-check') }], [], true);
  const backendName = backendOption(values.backend);
  const n = loaded.trials.length;
  const rungs = halvingRungs(loaded.spec);
  if (values.trial !== undefined) {
    const trial = integerFlag(values.trial, '--trial', 0, 0);
    if (trial >= n) throw new UsageError(`--trial ${trial} is past the last trial: this sweep has ${n} (0 to ${n - 1}).`);
    const rung = integerFlag(values.rung, '--rung', 0, 0);
    if (rung >= rungs.length) throw new UsageError(`--rung ${rung} is past the last rung: this sweep has ${rungs.length}.`);
    const halving = loaded.spec.method === 'halving';
    const path = resultFile(out.path, trial, halving ? rung : undefined);
    if (await exists(path)) {
      io.out(`trial ${trial}: ${path} exists; skipped.`);
      return 0;
    }
    const ctx = { loaded, outDir: out.path, backend: await useNodeBackend(backendName, io.err), io };
    await runTrialHere(ctx, await loadSweepData(loaded), loaded.trials[trial], rungs[rung].steps, path, halving ? rung : null);
    return 0;
  }
  if (values.rung !== undefined) throw new UsageError('--rung goes with --trial (a halving task); without it, sweep run runs every rung.');
  const parallel = Math.min(integerFlag(values.parallel, '--parallel', 1, 1), n);
  io.out(
    `Sweep ${loaded.id}: ${n} trials (${loaded.spec.method}), ${loaded.spec.steps} steps each${rungs.length > 1 ? ` at the last of ${rungs.length} rungs (${rungs.map((r) => r.steps).join(', ')} steps)` : ''}, ${parallel} at a time, results in ${out.path}`,
  );
  const runner = parallel > 1 ? childRunner(loaded, out.path, backendName, io) : await inProcessRunner(loaded, out.path, backendName, io);
  const started = Date.now();
  if (loaded.spec.method === 'halving') await runHalving(loaded, out.path, runner, parallel, io);
  else {
    const todo = await pendingTrials(
      loaded.trials.map((t) => t.index),
      (i) => resultFile(out.path, i),
      io,
    );
    await pool(todo, parallel, (i) => runner(i, null, resultFile(out.path, i)));
  }
  const records = await Promise.all(loaded.trials.map((t) => readResult(resultFile(out.path, t.index)).catch(() => null)));
  const failed = records.flatMap((r, i) => (r === null || r.error !== null ? [i] : []));
  io.out(
    `Sweep ${loaded.id} done in ${formatDuration(Date.now() - started)}: ${n - failed.length} of ${n} trials finished${failed.length ? `; failed: ${failed.join(', ')}` : ''}.`,
  );
  const best = bestRecord(records);
  if (best) io.out(`Best validation Sharpe: trial ${best.sweep?.trial} (${describeParameters(best.sweep?.parameters ?? {})}).`);
  return failed.length ? 1 : 0;
}

function validationSharpe(record: RunRecord | null): number | null {
  if (!record || record.error !== null) return Number.NEGATIVE_INFINITY;
  const sharpe = record.final.validation?.sharpe;
  return typeof sharpe === 'number' ? sharpe : null;
}

function bestRecord(records: (RunRecord | null)[]): RunRecord | null {
  const ranked = promote(
    records.map((r, trial) => ({ trial, validationSharpe: validationSharpe(r) })),
    Number.POSITIVE_INFINITY,
  );
  return records[ranked[0]] ?? null;
}

/** Trials whose result file is missing; the others are said to be kept (a rerun resumes). */
async function pendingTrials(indices: number[], file: (i: number) => string, io: CliIo): Promise<number[]> {
  const done: number[] = [];
  const todo: number[] = [];
  for (const i of indices) ((await exists(file(i))) ? done : todo).push(i);
  if (done.length) io.out(`Kept ${done.length} finished trial${done.length > 1 ? 's' : ''} (${done.join(', ')}); running ${todo.length}.`);
  return todo;
}

/** Runs `work` over the items, at most `width` at once. */
async function pool(items: number[], width: number, work: (item: number) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lanes = Array.from({ length: Math.min(width, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(lanes);
}

/** Trains one trial (at `rung`'s budget for halving) and writes its record to `path`. */
type TrialRunner = (trial: number, rung: number | null, path: string) => Promise<void>;

/**
 * Successive halving: every trial at the first rung's budget, then the best 1/eta by validation
 * Sharpe at the next, and so on; result-<i>-r<k>.json per rung, and result-<i>.json is a trial's last
 * rung. Rung files already written are read, not retrained.
 */
async function runHalving(loaded: LoadedSpec, outDir: string, runner: TrialRunner, parallel: number, io: CliIo): Promise<void> {
  const rungs = halvingRungs(loaded.spec);
  const eta = loaded.spec.halving!.eta;
  let alive = loaded.trials.map((t) => t.index);
  for (const rung of rungs) {
    io.out(`Rung ${rung.rung + 1} of ${rungs.length}: ${alive.length} trials at ${rung.steps} steps.`);
    const todo = await pendingTrials(alive, (i) => resultFile(outDir, i, rung.rung), io);
    await pool(todo, parallel, (i) => runner(i, rung.rung, resultFile(outDir, i, rung.rung)));
    const records = new Map<number, RunRecord | null>();
    for (const i of alive) records.set(i, await readResult(resultFile(outDir, i, rung.rung)).catch(() => null));
    const last = rung.rung === rungs.length - 1;
    const promoted = last
      ? []
      : promote(
          alive.map((trial) => ({ trial, validationSharpe: validationSharpe(records.get(trial)!) })),
          eta,
        );
    for (const i of alive) {
      const record = records.get(i);
      if (record && !promoted.includes(i)) await writeOutput({ flag: '--out', path: resultFile(outDir, i) }, JSON.stringify(record) + '\n');
    }
    if (!last) io.out(`Promoted by validation Sharpe: ${promoted.join(', ')}.`);
    alive = promoted;
  }
}

async function loadSweepData(loaded: LoadedSpec): Promise<ImportResult> {
  return importCsv(await openInput({ flag: 'the spec\'s "data"', path: loaded.dataPath }), { fileName: basename(loaded.dataPath) });
}

async function inProcessRunner(loaded: LoadedSpec, outDir: string, backendName: ReturnType<typeof backendOption>, io: CliIo) {
  const data = await loadSweepData(loaded);
  const ctx = { loaded, outDir, backend: await useNodeBackend(backendName, io.err), io };
  const runner: TrialRunner = (trial, rung, path) =>
    runTrialHere(ctx, data, loaded.trials[trial], rung === null ? loaded.spec.steps : halvingRungs(loaded.spec)[rung].steps, path, rung);
  return runner;
}

/**
 * One trial in this process: trains, records its curves, and writes its run record atomically. A
 * trial the config or training refuses writes a record with the error, so collect can report it.
 */
async function runTrialHere(ctx: RunContext, data: ImportResult, trial: SweepTrial, steps: number, path: string, rung: number | null) {
  const { loaded, io } = ctx;
  const overrides = trialOverrides(loaded.spec, trial, steps);
  const label = `trial ${trial.index}${rung === null ? '' : ` rung ${rung}`}`;
  const who = {
    id: `${loaded.id}-${trial.index}${rung === null ? '' : `-r${rung}`}`,
    name: `${loaded.id} trial ${trial.index}${rung === null ? '' : ` (rung ${rung}, ${steps} steps)`}`,
    source: 'sweep' as const,
    createdAt: new Date(),
    sweep: { id: loaded.id, trial: trial.index, parameters: trial.parameters },
    threads: 1,
  };
  io.out(`${label}: ${describeParameters(trial.parameters)}`);
  const recorder = new TrainingCurveRecorder();
  const started = Date.now();
  let lastLine = 0;
  let record: RunRecord;
  try {
    const outcome = await trainModel(data.bars, data.report, overrides, who.id, {
      onProgress: (p) => {
        recorder.onProgress(p);
        // A line every few seconds: K trials at once would otherwise flood the terminal.
        if (Date.now() - lastLine < 5000 && p.timesteps < p.totalTimesteps) return;
        lastLine = Date.now();
        io.out(
          `${label}: timesteps ${p.timesteps}/${p.totalTimesteps}  ${p.stepsPerSecond.toFixed(0)} steps/s  ETA ${formatDuration(p.etaMs)}`,
        );
      },
      onEpisode: recorder.onEpisode,
      onEvaluation: recorder.onEvaluation,
    });
    record = runRecordFromTraining(who, outcome, recorder.curves());
    const sharpe = record.final.validation?.sharpe;
    io.out(
      `${label}: done in ${formatDuration(Date.now() - started)}, validation Sharpe ${typeof sharpe === 'number' ? sharpe.toFixed(2) : 'n/a'}`,
    );
  } catch (error) {
    const message = userMessage(error);
    if (message === null) throw error;
    io.err(`${label} failed: ${message}`);
    let config: object = overrides;
    try {
      config = resolveTrainingConfig(overrides);
    } catch (configError) {
      if (userMessage(configError) === null) throw configError;
      // The overrides themselves were refused: record them as given.
    }
    record = failedRunRecord(who, {
      config,
      data: fingerprint(data.bars, data.report),
      backend: ctx.backend,
      wallTimeMs: Date.now() - started,
      error: message,
      curves: recorder.curves(),
    });
  }
  await writeOutput({ flag: '--out', path }, JSON.stringify(record) + '\n');
}

/**
 * `--parallel K`: each trial in a child process running this CLI with --trial, so each has its own
 * TF.js and its own core. Children's lines are passed on with the trial's label.
 */
function childRunner(loaded: LoadedSpec, outDir: string, backendName: string, io: CliIo): TrialRunner {
  return (trial, rung, path) =>
    new Promise<void>((done, fail) => {
      const args = [
        '--import',
        'tsx',
        CLI_MAIN,
        'sweep',
        'run',
        '--spec',
        loaded.specPath,
        '--out',
        outDir,
        '--trial',
        String(trial),
        '--backend',
        backendName,
        ...(rung === null ? [] : ['--rung', String(rung)]),
      ];
      const child = spawn(process.execPath, args, { cwd: CHECKOUT, stdio: ['ignore', 'pipe', 'pipe'] });
      const relay = (stream: NodeJS.ReadableStream, write: (line: string) => void) => {
        let buffered = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) if (line) write(line);
        });
        stream.on('end', () => buffered && write(buffered));
      };
      relay(child.stdout, io.out);
      relay(child.stderr, io.err);
      child.on('error', fail);
      child.on('close', (code) => {
        // A child that crashed wrote no record: collect reports the trial as missing.
        if (code !== 0) io.err(`trial ${trial}: the process exited with code ${code}; no result in ${path}.`);
        done();
      });
    });
}

// ---------------------------------------------------------------- export

async function sweepExport(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, commandOptions(SUBCOMMANDS.export));
  const loaded = await loadSpec(requireString(values.spec, '--spec'));
  const to = requireString(values.to, '--to');
  if (to !== 'slurm' && to !== 'k8s') throw new UsageError(`--to must be slurm or k8s; got "${to}".`);
  if (loaded.spec.method === 'halving') {
    throw new UsageError(
      'A halving sweep needs each rung finished before it picks the next, which one array of independent tasks cannot do: run it with `sweep run --parallel K`, or use method grid or random on a cluster.',
    );
  }
  const resources = resourceFlags(values);
  const out: FileFlag = { flag: '--out', path: requireString(values.out, '--out') };
  await ensureDir(out);
  const backendName = backendOption(values.backend);
  const n = loaded.trials.length;
  if (to === 'slurm') {
    const files = [
      { flag: '--out', path: join(out.path, 'sweep.sbatch') },
      { flag: '--out', path: join(out.path, 'sweep.json') },
    ];
    await checkOutputs(files, [{ flag: '--spec', path: loaded.specPath }], values.force === true);
    const resultsDir = resolve(typeof values.results === 'string' ? values.results : join(out.path, 'results'));
    await ensureDir({ flag: '--results', path: resultsDir });
    // The copy names the data by absolute path, so the tasks find it from wherever the script sits.
    await writeOutput(files[1], JSON.stringify({ ...loaded.spec, data: loaded.dataPath }, null, 2) + '\n');
    const script = slurmScript({
      sweepId: loaded.id,
      trials: n,
      resources,
      specPath: resolve(files[1].path),
      resultsDir,
      workdir: resolve(typeof values.workdir === 'string' ? values.workdir : CHECKOUT),
      backend: backendName,
      ...(typeof values.partition === 'string' ? { partition: values.partition } : {}),
    });
    await writeOutput(files[0], script);
    io.out(`Wrote ${files[0].path} (${n} array tasks) and ${files[1].path}. Submit: sbatch ${files[0].path}`);
    io.out(`Then: npm run cli -- sweep collect ${resultsDir} --spec ${files[1].path} --out runs.jsonl`);
    return 0;
  }
  const file: FileFlag = { flag: '--out', path: join(out.path, 'sweep-job.json') };
  await checkOutputs([file], [{ flag: '--spec', path: loaded.specPath }], values.force === true);
  const parallelism = Math.min(integerFlag(values.parallelism, '--parallelism', n, 1), n);
  const manifest = kubernetesManifest({
    sweepId: loaded.id,
    trials: n,
    parallelism,
    resources,
    image: typeof values.image === 'string' ? values.image : 'ppo-trading-lab:latest',
    specText: JSON.stringify({ ...loaded.spec, data: `${POD_PATHS.data}/${basename(loaded.dataPath)}` }, null, 2),
    dataVolume: parseVolume(String(values['data-volume'] ?? 'pvc:ppo-data'), '--data-volume'),
    resultsVolume: parseVolume(String(values['results-volume'] ?? 'pvc:ppo-results'), '--results-volume'),
    backend: backendName,
  });
  await writeOutput(file, JSON.stringify(manifest, null, 2) + '\n');
  io.out(`Wrote ${file.path}: Indexed Job ${loaded.id}, ${n} completions, ${parallelism} at once.`);
  io.out(`Put ${basename(loaded.dataPath)} at the root of the data volume, then: kubectl apply -f ${file.path}`);
  return 0;
}

function resourceFlags(values: Flags): TrialResources {
  const resources = {
    cpus: integerFlag(values.cpus, '--cpus', 2, 1),
    memory: String(values.memory ?? '4G'),
    time: String(values.time ?? '01:00:00'),
  };
  parseMemory(resources.memory);
  parseTimeLimit(resources.time);
  return resources;
}

// ---------------------------------------------------------------- collect

/** The final result files of a folder by trial index (halving's rung files are left out). */
async function resultFiles(dir: string): Promise<Map<number, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(`Folder not found: ${dir}. Give the --out folder of sweep run, or the results folder of the export.`);
    if (code === 'ENOTDIR') throw new UsageError(`${dir} is a file; give the folder of the result files.`);
    throw error;
  }
  const files = new Map<number, string>();
  for (const name of names) {
    const match = /^result-(\d+)\.json$/.exec(name);
    if (match) files.set(Number(match[1]), join(dir, name));
  }
  return files;
}

async function sweepCollect(args: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = args;
  const dir = first !== undefined && !first.startsWith('-') ? first : undefined;
  const values = parseFlags(dir === undefined ? args : rest, commandOptions(SUBCOMMANDS.collect));
  if (dir === undefined) throw new UsageError('Missing the results folder: sweep collect DIR --out runs.jsonl.');
  const out: FileFlag = { flag: '--out', path: requireString(values.out, '--out') };
  await checkOutputs([out], [], values.force === true);
  const expected = typeof values.spec === 'string' ? (await loadSpec(values.spec)).trials.length : null;
  const files = await resultFiles(dir);
  if (files.size === 0) throw new UsageError(`No result-<i>.json files in ${dir}. Has the sweep run (sweep run, or the exported job)?`);
  const records: RunRecord[] = [];
  const unreadable: string[] = [];
  for (const [trial, path] of [...files].sort((a, b) => a[0] - b[0])) {
    try {
      const record = await readResult(path);
      if (record.sweep && record.sweep.trial !== trial) throw new UsageError(`${path} holds trial ${record.sweep.trial}, not ${trial}`);
      records.push(record);
    } catch (error) {
      const message = userMessage(error);
      if (message === null) throw error;
      unreadable.push(`${trial} (${message})`);
    }
  }
  const highest = Math.max(...files.keys());
  const count = expected ?? highest + 1;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !files.has(i));
  const failed = records.filter((r) => r.error !== null).map((r) => `${r.sweep?.trial ?? r.id} (${r.error})`);
  const ids = new Set(records.map((r) => r.sweep?.id));
  await writeOutput(out, runRecordsToJsonl(records));
  io.out(`Wrote ${records.length} run records to ${out.path} (sweep ${[...ids].join(', ')}).`);
  if (missing.length)
    io.err(
      `Missing trials (no result file): ${missing.join(', ')}${expected === null ? ' (pass --spec to check up to the last trial)' : ''}.`,
    );
  if (failed.length) io.err(`Failed trials: ${failed.join('; ')}.`);
  if (unreadable.length) io.err(`Unreadable results, left out: ${unreadable.join('; ')}.`);
  if (ids.size > 1) io.err(`The folder mixes ${ids.size} sweeps; give each sweep its own folder.`);
  return missing.length || failed.length || unreadable.length ? 1 : 0;
}
