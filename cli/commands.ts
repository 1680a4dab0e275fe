import { appendFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { importCsv, type ImportReport, type ImportResult } from '../src/core/data';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { defaultFeatureNames, SplitError, type FeatureName } from '../src/core/features';
import type { Bars } from '../src/core/data/bars';
import { ACTION_SETS, FILL_AT, prepareMarket, resolveEnvConfig, SIZINGS, type EnvConfig, type EnvRange } from '../src/core/env';
import { isPresetName, PRESETS } from '../src/core/ppo/presets';
import { describeAssumptions, runBacktest, type BacktestResult } from '../src/core/backtest/runner';
import type { SampleCheck } from '../src/core/workflow/sampleCheck';
import { equityCsv, tradesCsv } from '../src/core/backtest/export';
import { resolveTrainingConfig, VARIANTS, type NetworkConfig, type TrainingOverrides, type Variant } from '../src/core/ppo/config';
import { describeRunRules } from '../src/core/workflow/runSettings';
import { parseBundle, serializeBundle, type ModelBundle } from '../src/core/model/bundle';
import { checkFileSize } from '../src/core/model/validation';
import { backtestModel, predictLatest, trainModel, type PredictAccount, type SplitName } from '../src/core/workflow/session';
import { NODE_BACKENDS, useNodeBackend, type NodeBackend } from './backend';
import { nodeDefaultThreads } from './stepThreads';
import { MAX_THREADS } from '../src/core/ppo/stepThreads';
import {
  DEFAULT_FOLD_OPTIONS,
  runWalkForward,
  summariseWalkForward,
  WINDOWS,
  type Spread,
  type WalkForwardWindow,
} from '../src/core/workflow/walkForward';
import { BASELINES, baselinePolicy, type BaselineName } from '../src/core/backtest/policy';
import { annualisationFor } from '../src/core/backtest/annualisation';
import type { BacktestMetrics } from '../src/core/backtest/types';
import { formatMetric, METRIC_ROWS, unavailableReason } from '../src/core/backtest/metricTable';
import { commandHelp, commandOptions, COMMANDS, overviewHelp } from './spec';
import { configField, unknownConfigKeys } from '../src/core/ppo/configFields';
import { toUserError, UsageError } from '../src/core/errors';
import { evaluateModel } from '../src/core/workflow/evaluate';
import { runRecordFromTraining, runRecordsToJsonl, TrainingCurveRecorder } from '../src/core/experiments/runRecord';
import type { RunRecord } from '../src/core/experiments/types';
import { portfolioBacktest, portfolioPredict, portfolioTrain } from './portfolio';
import { sweepCommand } from './sweep';
import { renderReportHtml } from '../src/core/report/html';
import { formatEvaluationText } from '../src/core/report/text';
import { renderWalkForwardReport } from '../src/core/report/walkForward';
import { checkOutputs, inputSize, openInput, readInput, writeOutput, type FileFlag } from './files';
import {
  integerFlag as integerOption,
  parseFlags as parse,
  positiveNumberFlag as positiveNumber,
  signedNumberFlag,
  type Flags,
} from './flags';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A problem with the user's input or arguments: printed as one line, exit code 1. */
export { UsageError };

const SPLITS: readonly SplitName[] = ['all', 'train', 'validation', 'test'];

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && command in COMMANDS && (rest.includes('--help') || rest.includes('-h'))) {
    // A group's help names its subcommand first: `sweep run --help`.
    io.out(commandHelp(command, COMMANDS[command].subcommands ? rest[0] : undefined));
    return 0;
  }
  try {
    switch (command) {
      case 'inspect':
        return await inspect(rest, io);
      case 'train':
        return await train(rest, io);
      case 'backtest':
        return await backtest(rest, io);
      case 'predict':
        return await predict(rest, io);
      case 'generate-sample':
        return await generateSample(rest, io);
      case 'walk-forward':
        return await walkForwardCommand(rest, io);
      case 'evaluate':
        return await evaluate(rest, io);
      case 'portfolio-train':
        return await portfolioTrain(rest, io);
      case 'portfolio-backtest':
        return await portfolioBacktest(rest, io);
      case 'portfolio-predict':
        return await portfolioPredict(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(overviewHelp());
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`Unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(', ')} (see --help).`);
    }
  } catch (error) {
    const message = userMessage(error);
    if (message === null) throw error;
    io.err(message);
    return 1;
  }
}

/** The one-line message for errors caused by input (file errors are named by cli/files.ts); null for bugs. */
export function userMessage(error: unknown): string | null {
  return toUserError(error)?.message ?? null;
}

export function requireString(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`Missing ${flag}. See --help.`);
  return value;
}

async function loadData(path: string, minRows?: number): Promise<ImportResult> {
  return importCsv(await openInput({ flag: '--data', path }), { fileName: basename(path), minRows });
}

async function inspect(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS.inspect));
  const { report } = await loadData(requireString(values.data, '--data'));
  io.out(values.json ? JSON.stringify(report) : formatReport(report));
  return 0;
}

async function backtest(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['backtest']));
  if (values.model !== undefined && values.baseline !== undefined) throw new UsageError('Give either --model or --baseline, not both.');
  if (values.model !== undefined) return backtestWithModel(values, io);
  if (values.baseline === undefined) throw new UsageError('Missing --model or --baseline. See --help.');
  const baseline = requireString(values.baseline, '--baseline');
  if (!(BASELINES as readonly string[]).includes(baseline)) {
    throw new UsageError(`Unknown baseline "${baseline}". Choose one of: ${BASELINES.join(', ')}.`);
  }
  const split = splitOption(values.split ?? 'all');
  const env = resolveEnvConfig({
    lookback: integerOption(values.lookback, '--lookback', 60, 1),
    seed: integerOption(values.seed, '--seed', 1, 0),
    ...tradingOverrides(values),
  });
  const dataPath = requireString(values.data, '--data');
  await checkOutputs(backtestOutputs(values), [{ flag: '--data', path: dataPath }], values.force === true);
  const { bars, report } = await loadData(dataPath);
  const names = defaultFeatureNames({ hasVolume: report.hasVolume, intervalMs: report.intervalMs });
  // A whole-series backtest needs no train/validation/test cut, so short files still run.
  const prepared = prepareBaselineMarket(bars, names, env.lookback, split, report.fileName);
  const range: EnvRange = split === 'all' ? { start: prepared.warmup, end: bars.close.length } : prepared.splits[split];
  const result = await runBacktest(
    baselinePolicy(baseline as BaselineName, env.seed),
    prepared.market,
    range,
    env,
    annualisationFor(bars.time),
    { riskFreeRate: riskFreeOption(values['risk-free-rate']) },
  );
  await writeBacktestFiles(result, values);
  printBacktest(io, values.json === true, { baseline }, split, report.fileName, result);
  return 0;
}

function prepareBaselineMarket(bars: Bars, names: FeatureName[], lookback: number, split: SplitName, fileName: string) {
  // A whole-series backtest needs no train/validation/test cut, so short files still run.
  if (split === 'all') return prepareMarket(bars, names, lookback, { allowShortSplits: true });
  try {
    return prepareMarket(bars, names, lookback);
  } catch (error) {
    if (!(error instanceof SplitError)) throw error;
    throw new UsageError(
      `${fileName} is too short to cut into train / validation / test splits, so it has no ${split} split: ${error.message} Or backtest every bar with --split all.`,
    );
  }
}

/** Cost, slippage and fill flags that override the environment's (a model's saved ones, or the defaults). */
function tradingOverrides(values: Flags): Partial<EnvConfig> {
  const out: Partial<EnvConfig> = {};
  if (values['fill-at'] !== undefined) {
    const fillAt = String(values['fill-at']);
    if (!(FILL_AT as readonly string[]).includes(fillAt))
      throw new UsageError(`--fill-at must be one of ${FILL_AT.join(', ')}, got "${fillAt}".`);
    out.fillAt = fillAt as EnvConfig['fillAt'];
  }
  if (values['transaction-cost'] !== undefined)
    out.transactionCost = boundedNumber(values['transaction-cost'], '--transaction-cost', 0, 0.1);
  if (values['slippage-bps'] !== undefined) out.slippageBps = boundedNumber(values['slippage-bps'], '--slippage-bps', 0, 1000);
  return out;
}

function riskFreeOption(value: unknown): number {
  return value === undefined ? 0 : boundedNumber(value, '--risk-free-rate', -0.5, 1);
}

function boundedNumber(value: unknown, flag: string, min: number, max: number): number {
  const text = String(value);
  const n = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a decimal number from ${min} to ${max}, got "${text}".`);
  return n;
}

function splitOption(value: unknown): SplitName {
  const split = String(value);
  if (!(SPLITS as readonly string[]).includes(split)) {
    throw new UsageError(`Unknown split "${split}". Choose one of: ${SPLITS.join(', ')}.`);
  }
  return split as SplitName;
}

export function backendOption(value: unknown): NodeBackend {
  const backend = String(value ?? 'wasm');
  if (!(NODE_BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`Unknown backend "${backend}". Choose one of: ${NODE_BACKENDS.join(', ')}.`);
  }
  return backend as NodeBackend;
}

async function loadBundle(path: string): Promise<ModelBundle> {
  // Before reading: a file past the cap would take that much memory, or fail as a string too long.
  checkFileSize(await inputSize({ flag: '--model', path }), `The model file ${basename(path)}`);
  const text = await readInput({ flag: '--model', path });
  return parseBundle(text);
}

async function backtestWithModel(values: Flags, io: CliIo): Promise<number> {
  // Out of sample by default: the test split is the only one the model neither trained nor was selected on.
  const split = splitOption(values.split ?? 'test');
  const modelPath = requireString(values.model, '--model');
  const dataPath = requireString(values.data, '--data');
  const inputs = [
    { flag: '--model', path: modelPath },
    { flag: '--data', path: dataPath },
  ];
  await checkOutputs(backtestOutputs(values), inputs, values.force === true);
  const bundle = await loadBundle(modelPath);
  const { bars, report } = await loadData(dataPath);
  await useNodeBackend(backendOption(values.backend), io.err);
  const result = await backtestModel(bundle, bars, report, split, {
    env: tradingOverrides(values),
    riskFreeRate: riskFreeOption(values['risk-free-rate']),
  });
  await writeBacktestFiles(result, values);
  printBacktest(io, values.json === true, { model: bundle.name, variant: bundle.variant }, split, report.fileName, result, result.sample);
  return 0;
}

function printBacktest(
  io: CliIo,
  json: boolean,
  who: Record<string, string>,
  split: string,
  file: string,
  result: BacktestResult,
  sample?: SampleCheck,
): void {
  if (json) {
    const sampleFields = sample ? { inSample: sample.inSample, inSampleBars: sample.trainingBars + sample.selectionBars, sample } : {};
    const span = {
      firstTime: new Date(result.time[0]).toISOString(),
      lastTime: new Date(result.time[result.time.length - 1]).toISOString(),
    };
    io.out(
      JSON.stringify({
        ...who,
        split,
        file,
        bars: result.equity.length,
        ...span,
        ...sampleFields,
        assumptions: result.assumptions,
        metrics: result.metrics,
      }),
    );
    return;
  }
  const name = Object.values(who).join(' ');
  io.out(
    `${name} on ${file}, ${split} split: ${result.equity.length} bars from ${isoDate(result.time[0])} to ${isoDate(result.time[result.time.length - 1])}`,
  );
  if (sample) io.out(sample.inSample ? `IN SAMPLE — ${sample.note}` : sample.note);
  io.out(`Assumptions: ${describeAssumptions(result.assumptions)}`);
  io.out(formatMetrics(result.metrics));
}

function backtestOutputs(values: Flags): FileFlag[] {
  return (['--equity-out', '--trades-out'] as const).flatMap((flag) => {
    const path = values[flag.slice(2)];
    return typeof path === 'string' ? [{ flag, path }] : [];
  });
}

async function writeBacktestFiles(result: BacktestResult, values: Flags): Promise<void> {
  for (const output of backtestOutputs(values)) {
    await writeOutput(output, output.flag === '--equity-out' ? equityCsv(result) : tradesCsv(result.trades));
  }
}

async function train(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['train']));
  const overrides = await trainingOverrides(values);
  const variant = overrides.variant;

  const checkpointEvery = integerOption(values['checkpoint-every'], '--checkpoint-every', 10, 0);
  const threads = Math.min(MAX_THREADS, integerOption(values.threads, '--threads', nodeDefaultThreads(), 1));
  const dataPath = requireString(values.data, '--data');
  const name =
    typeof values.output === 'string'
      ? basename(values.output).replace(/\.ppo\.json$/, '')
      : `${variant}-${basename(dataPath).replace(/\.[^.]+$/, '')}`;
  const outPath =
    typeof values.output === 'string'
      ? values.output.endsWith('.ppo.json')
        ? values.output
        : `${values.output}.ppo.json`
      : `${name}.ppo.json`;
  const output: FileFlag = { flag: '--output', path: outPath };
  const inputs = [
    { flag: '--data', path: dataPath },
    ...(typeof values.config === 'string' ? [{ flag: '--config', path: values.config }] : []),
  ];
  await checkOutputs([output], inputs, values.force === true);
  const { bars, report } = await loadData(dataPath);
  const backend = await useNodeBackend(backendOption(values.backend), io.err);
  const log = values.json ? io.err : io.out;
  log(
    `Training ${variant} on ${report.fileName} (${report.rowsKept} bars, ${report.intervalLabel}) with the ${backend} backend, ${threads} thread${threads === 1 ? '' : 's'}`,
  );
  log(`Rules: ${describeRunRules(resolveTrainingConfig(overrides))}`);
  const checkpoint = {
    everyUpdates: checkpointEvery,
    // A failed checkpoint write (disk full…) is reported and training goes on; the final write retries.
    save: (bundle: ModelBundle) =>
      writeOutput(output, serializeBundle(bundle)).catch((error: unknown) =>
        io.err(`Checkpoint not written: ${userMessage(error) ?? String(error)}`),
      ),
  };
  const recorder = values['no-record'] ? null : new TrainingCurveRecorder();
  const runsDir = typeof values['runs-dir'] === 'string' ? values['runs-dir'] : join(dirname(outPath), 'runs');
  const outcome = await trainModel(
    bars,
    report,
    overrides,
    name,
    {
      onEpisode: recorder?.onEpisode,
      onProgress: (p) => {
        recorder?.onProgress(p);
        const reward = p.meanEpisodeReward === null ? '—' : p.meanEpisodeReward.toFixed(4);
        log(
          `update ${p.update}  timesteps ${p.timesteps}/${p.totalTimesteps}  episodes ${p.episodes}  mean reward ${reward}  ` +
            `${p.stepsPerSecond.toFixed(0)} steps/s  ETA ${formatDuration(p.etaMs)}  ` +
            `KL ${p.diagnostics.approxKl.toFixed(4)}  entropy ${p.diagnostics.entropy.toFixed(3)}`,
        );
      },
      onEvaluation: (e) => {
        recorder?.onEvaluation(e);
        const m = e.result.metrics;
        log(
          `  validation @ ${e.timesteps}: return ${m.totalReturn.toFixed(2)}% (buy & hold ${m.buyHoldReturn.toFixed(2)}%), ` +
            `${e.selection.basis} ${e.selection.score.toFixed(2)}, ${e.selection.trades} trades${e.isBest ? '  ← best' : ''}`,
        );
      },
    },
    { ...(checkpointEvery > 0 ? { checkpoint } : {}), threads },
  );
  await writeOutput(output, serializeBundle(outcome.bundle));
  const s = outcome.summary;
  const runsFile = recorder
    ? await appendRunRecord(runsDir, runRecordFromTraining(runIdentity(name, s.threads.threads), outcome, recorder.curves()), io)
    : null;
  if (s.threads.reason) log(`Ran on ${s.threads.threads} of the ${s.threads.requested} threads asked: ${s.threads.reason}.`);
  const summary = {
    model: outPath,
    variant,
    backend,
    threads: s.threads.threads,
    threadsRequested: s.threads.requested,
    threadsNote: s.threads.reason,
    notes: outcome.notes,
    runRecord: runsFile,
    stopReason: s.stopReason,
    timesteps: s.timesteps,
    episodes: s.episodes,
    updates: s.updates,
    wallTimeSeconds: s.wallTimeMs / 1000,
    stepsPerSecond: s.timesteps / (s.wallTimeMs / 1000),
    selection: outcome.bundle.training.selection ?? null,
    splits: outcome.bundle.data.splits ?? null,
    validation: outcome.bundle.metrics.validation,
    test: outcome.bundle.metrics.test,
  };
  if (values.json) {
    io.out(JSON.stringify(summary));
  } else {
    io.out(`Saved ${outPath} after ${s.timesteps} timesteps (${s.stopReason}), ${summary.stepsPerSecond.toFixed(0)} steps/s`);
    for (const note of outcome.notes) io.out(`Note: ${note}`);
    const sel = outcome.bundle.training.selection;
    io.out(
      sel
        ? `Kept the checkpoint of update ${sel.update} of ${s.updates}: best validation ${sel.basis} ${sel.score.toFixed(2)} among ${sel.evaluations} compared (at least ${sel.minTrades} trades)`
        : `No checkpoint made the ${outcome.bundle.config.eval.minTrades} validation trades needed to be selected: kept the last weights`,
    );
    if (outcome.test) {
      io.out('Test split (out of sample):');
      io.out(`Assumptions: ${describeAssumptions(outcome.test.assumptions)}`);
      io.out(formatMetrics(outcome.test.metrics));
    }
  }
  return 0;
}

function runIdentity(name: string, threads: number) {
  return {
    id: `cli-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    source: 'cli' as const,
    createdAt: new Date(),
    threads,
  };
}

/**
 * Appends the run's record as one JSON line to DIR/runs.jsonl (created with its folder when missing),
 * the file the app's runs table imports. A failed write is reported and the model stands.
 */
async function appendRunRecord(dir: string, record: RunRecord, io: CliIo): Promise<string | null> {
  const path = join(dir, 'runs.jsonl');
  try {
    await mkdir(dir, { recursive: true });
    await appendFile(path, runRecordsToJsonl([record]));
    return path;
  } catch (error) {
    io.err(`The run was not recorded in ${path}: ${(error as Error).message}. The model file was written.`);
    return null;
  }
}

/**
 * The training settings of train and walk-forward: the --config file's, overridden by the flags
 * given (a command without a flag simply never sets it).
 */
async function trainingOverrides(values: Flags): Promise<TrainingOverrides & { variant: Variant }> {
  const file: TrainingOverrides = typeof values.config === 'string' ? await readConfigFile(values.config) : {};
  const fromFile = values.preset !== undefined ? layerOverrides(presetOption(values.preset), file) : file;
  const variant = variantOption(values.type, fromFile);
  return {
    ...fromFile,
    variant,
    seed: values.seed !== undefined ? integerOption(values.seed, '--seed', 1, 0) : fromFile.seed,
    env: {
      ...fromFile.env,
      ...(values['action-set'] !== undefined ? { actionSet: choiceOption(values['action-set'], '--action-set', ACTION_SETS) } : {}),
      ...(values.sizing !== undefined ? { sizing: choiceOption(values.sizing, '--sizing', SIZINGS) } : {}),
      ...(values.session !== undefined ? { session: requireString(values.session, '--session') } : {}),
      ...(values.timezone !== undefined ? { timeZone: requireString(values.timezone, '--timezone') } : {}),
      ...(values['episode-length'] !== undefined
        ? { episodeLength: integerOption(values['episode-length'], '--episode-length', 1000, 1) }
        : {}),
      ...(values.lookback !== undefined ? { lookback: integerOption(values.lookback, '--lookback', 60, 1) } : {}),
    },
    ppo: {
      ...fromFile.ppo,
      ...(values['learning-rate'] !== undefined ? { learningRate: positiveNumber(values['learning-rate'], '--learning-rate') } : {}),
    },
    network: {
      ...fromFile.network,
      ...(values.critic !== undefined ? { critic: criticOption(values.critic) } : {}),
    },
    stop: {
      ...fromFile.stop,
      ...(values.steps !== undefined ? { totalTimesteps: integerOption(values.steps, '--steps', 100_000, 1) } : {}),
      ...(values.episodes !== undefined ? { maxEpisodes: integerOption(values.episodes, '--episodes', 1, 1) } : {}),
      ...(values.minutes !== undefined ? { maxMinutes: positiveNumber(values.minutes, '--minutes') } : {}),
    },
  };
}

function presetOption(value: unknown): TrainingOverrides {
  const name = requireString(value, '--preset');
  if (!isPresetName(name)) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}; got "${name}".`);
  return structuredClone(PRESETS[name].overrides) as TrainingOverrides;
}

/** A preset under a --config file: each section's fields from the file win. */
function layerOverrides(base: TrainingOverrides, top: TrainingOverrides): TrainingOverrides {
  const sections = ['env', 'ppo', 'network', 'stop', 'eval', 'split'] as const;
  const merged: TrainingOverrides = { ...base, ...top };
  for (const section of sections) {
    if (base[section] || top[section]) Object.assign(merged, { [section]: { ...base[section], ...top[section] } });
  }
  return merged;
}

function choiceOption<T extends string>(value: unknown, flag: string, choices: readonly T[]): T {
  const text = requireString(value, flag);
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}; got "${text}".`);
  return text as T;
}

async function readConfigFile(path: string): Promise<TrainingOverrides> {
  const text = await readInput({ flag: '--config', path });
  let settings: TrainingOverrides;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('expected an object');
    settings = parsed as TrainingOverrides;
  } catch (error) {
    throw new UsageError(`--config ${path} is not a JSON object of settings (${(error as Error).message}).`);
  }
  // A typo would otherwise train on the default without a word.
  const unknown = unknownConfigKeys(settings);
  if (unknown.length) {
    throw new UsageError(
      `--config ${path} has settings this app does not know: ${unknown.join(', ')}. See train --help for every setting.`,
    );
  }
  return settings;
}

function criticOption(value: unknown): NetworkConfig['critic'] {
  const critic = String(value);
  const options = configField('network.critic').options ?? [];
  if (!options.includes(critic)) throw new UsageError(`Unknown --critic "${critic}". Choose one of: ${options.join(', ')}.`);
  return critic as NetworkConfig['critic'];
}

/** --type when given, else the --config file's own variant, else maskable. */
function variantOption(flag: unknown, fromFile: TrainingOverrides): Variant {
  const variant = flag === undefined ? (fromFile.variant ?? 'maskable') : String(flag);
  if (!(VARIANTS as readonly string[]).includes(variant)) {
    throw new UsageError(
      `Unknown ${flag === undefined ? 'variant in --config' : '--type'} "${variant}". Choose one of: ${VARIANTS.join(', ')}.`,
    );
  }
  return variant as Variant;
}

async function predict(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['predict']));
  const position = String(values.position ?? 'flat');
  if (!['flat', 'long', 'short'].includes(position)) throw new UsageError(`--position must be flat, long or short, got "${position}".`);
  const account: PredictAccount = { position: position as PredictAccount['position'] };
  if (values['held-bars'] !== undefined) account.heldBars = integerOption(values['held-bars'], '--held-bars', 0, 0);
  if (values['entry-price'] !== undefined) account.entryPrice = positiveNumber(values['entry-price'], '--entry-price');
  if (values.exposure !== undefined) account.exposure = signedNumberFlag(values.exposure, '--exposure');
  if (values.cooldown !== undefined) account.cooldown = integerOption(values.cooldown, '--cooldown', 0, 0);
  const bundle = await loadBundle(requireString(values.model, '--model'));
  const { bars, report } = await loadData(requireString(values.data, '--data'));
  await useNodeBackend(backendOption(values.backend), io.err);
  const p = await predictLatest(bundle, bars, report.hasVolume, account);
  const core = {
    prediction: p.prediction,
    action_name: p.action_name,
    confidence: p.confidence,
    value_estimate: p.value_estimate,
    position_after: p.position_after,
  };
  if (values.json) io.out(JSON.stringify(core));
  else {
    io.out(JSON.stringify(core));
    io.out(
      `for the bar at ${p.bar_time}, account ${p.position}; probabilities ${Object.entries(p.probabilities)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}; valid actions ${p.valid_actions.join(', ')}`,
    );
  }
  return 0;
}

/**
 * Backtests a model (test split by default) and judges it: Monte Carlo percentiles, regimes, PSR/DSR,
 * the timing test and a verdict; --report also writes the one-file HTML report.
 */
async function evaluate(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['evaluate']));
  const modelPath = requireString(values.model, '--model');
  const dataPath = requireString(values.data, '--data');
  const split = splitOption(values.split ?? 'test');
  const resamples = integerOption(values['monte-carlo'], '--monte-carlo', 1000, 1);
  const retimings = integerOption(values.retimings, '--retimings', 1000, 1);
  const reportPath = typeof values.report === 'string' ? values.report : null;
  const inputs = [
    { flag: '--model', path: modelPath },
    { flag: '--data', path: dataPath },
  ];
  if (reportPath !== null) await checkOutputs([{ flag: '--report', path: reportPath }], inputs, values.force === true);
  const bundle = await loadBundle(modelPath);
  const { bars, report } = await loadData(dataPath);
  await useNodeBackend(backendOption(values.backend), io.err);
  const evaluation = await evaluateModel(bundle, bars, report, { split, monteCarlo: { resamples }, timing: { retimings } });
  if (reportPath !== null) await writeOutput({ flag: '--report', path: reportPath }, renderReportHtml({ evaluation }));
  if (values.json) {
    // The chart curve is for the report; the JSON keeps the figures.
    const { curve: _curve, model, ...figures } = evaluation;
    io.out(
      JSON.stringify({ model: model.name, variant: model.variant, ...figures, ...(reportPath !== null ? { report: reportPath } : {}) }),
    );
    return 0;
  }
  const e = evaluation;
  io.out(
    `${e.model.name} ${e.model.variant} on ${e.file}, ${e.split} split: ${e.bars} bars from ${isoDate(Date.parse(e.firstTime))} to ${isoDate(Date.parse(e.lastTime))}`,
  );
  io.out(e.inSample ? `IN SAMPLE — ${e.sample.note}` : e.sample.note);
  io.out(`Assumptions: ${describeAssumptions(e.assumptions)}`);
  io.out(formatMetrics(e.metrics));
  io.out('');
  io.out(formatEvaluationText(e));
  if (reportPath !== null) io.out(`Report written to ${reportPath}`);
  return 0;
}

async function walkForwardCommand(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['walk-forward']));
  const window = String(values.window ?? 'expanding');
  if (!(WINDOWS as readonly string[]).includes(window))
    throw new UsageError(`Unknown --window "${window}". Choose one of: ${WINDOWS.join(', ')}.`);
  const overrides = await trainingOverrides(values);
  const variant = overrides.variant;

  const folds = {
    folds: integerOption(values.folds, '--folds', DEFAULT_FOLD_OPTIONS.folds, 1),
    window: window as WalkForwardWindow,
    ...(values.purge !== undefined ? { purge: integerOption(values.purge, '--purge', 0, 0) } : {}),
    embargo: integerOption(values.embargo, '--embargo', 0, 0),
  };
  const dataPath = requireString(values.data, '--data');
  const prefix =
    typeof values.output === 'string'
      ? values.output.replace(/\.ppo\.json$/, '')
      : `${variant}-${basename(dataPath).replace(/\.[^.]+$/, '')}-wf`;
  // Every file this run will write, checked before hours of training: fold models and the report.
  const outputs: FileFlag[] = Array.from({ length: folds.folds }, (_, k) => ({
    flag: '--output',
    path: `${prefix}-fold${k + 1}.ppo.json`,
  }));
  if (typeof values.report === 'string') outputs.push({ flag: '--report', path: values.report });
  const inputs: FileFlag[] = [
    { flag: '--data', path: dataPath },
    ...(typeof values.config === 'string' ? [{ flag: '--config', path: values.config }] : []),
  ];
  await checkOutputs(outputs, inputs, values.force === true);
  const { bars, report } = await loadData(dataPath);
  const backend = await useNodeBackend(backendOption(values.backend), io.err);
  const log = values.json ? io.err : io.out;
  const models: string[] = [];
  let lookback = 1;
  const span = (from: number, to: number) => `${isoDate(bars.time[from])} → ${isoDate(bars.time[to])}`;
  const threads = Math.min(MAX_THREADS, integerOption(values.threads, '--threads', nodeDefaultThreads(), 1));
  const result = await runWalkForward(
    bars,
    report,
    overrides,
    { ...folds, name: basename(prefix), threads },
    {
      onPlan: (plan) => {
        lookback = plan.lookback;
        log(
          `Walk-forward of ${variant} on ${report.fileName} (${report.rowsKept} bars, ${report.intervalLabel}), ${backend} backend: ` +
            `${plan.folds.length} folds, ${plan.window} window, purge ${plan.purge}, embargo ${plan.embargo} bars`,
        );
      },
      onFoldStart: (f) =>
        log(
          `fold ${f.index}: train ${span(f.train.start, f.train.end - 1)}, validation ${f.validation.end > f.validation.start ? span(f.validation.start, f.validation.end - 1) : 'none'}, ` +
            `test decisions ${span(f.test.start + lookback - 1, f.test.end - 1)}`,
        ),
      onProgress: (p) =>
        log(
          `  fold ${p.fold}/${p.folds}  timesteps ${p.training.timesteps}/${p.training.totalTimesteps}  ` +
            `overall ${(p.overallProgress * 100).toFixed(0)}%  ETA ${p.etaMs === null ? '—' : formatDuration(p.etaMs)}`,
        ),
      onFoldEnd: async (outcome) => {
        const path = `${prefix}-fold${outcome.fold.index}.ppo.json`;
        await writeOutput({ flag: '--output', path }, serializeBundle(outcome.bundle));
        models.push(path);
        const m = outcome.test.metrics;
        log(
          `  fold ${outcome.fold.index} test: return ${m.totalReturn.toFixed(2)}% (buy & hold ${m.buyHoldReturn.toFixed(2)}%), ${m.trades} trades; saved ${path}`,
        );
      },
    },
  );
  const summary = summariseWalkForward(result, bars);
  const output = { file: report.fileName, backend, ...summary, folds: summary.folds.map((f, i) => ({ ...f, model: models[i] })) };
  if (typeof values.report === 'string') {
    const html = await renderWalkForwardReport(result, bars, report);
    if (html !== null) {
      await writeOutput({ flag: '--report', path: values.report }, html);
      log(`Report written to ${values.report}`);
    }
  }
  if (values.json) {
    io.out(JSON.stringify(output));
    return 0;
  }
  for (const f of summary.folds) {
    const m = f.metrics;
    io.out(
      `Fold ${f.fold}: test ${f.testPeriod.firstTime.slice(0, 10)} → ${f.testPeriod.lastTime.slice(0, 10)}  return ${m.totalReturn.toFixed(2)}%  ` +
        `buy & hold ${m.buyHoldReturn.toFixed(2)}%  Sharpe ${m.sharpe === null ? 'n/a' : m.sharpe.toFixed(2)}  ${m.trades} trades`,
    );
  }
  if (summary.stopped) io.out(`Stopped after ${summary.folds.length} of ${summary.plan.folds} folds.`);
  const stitched = summary.stitched;
  if (stitched) {
    io.out(
      `Stitched out-of-sample curve: ${stitched.bars} bars from ${stitched.firstTime.slice(0, 10)} to ${stitched.lastTime.slice(0, 10)}`,
    );
    io.out(formatMetrics(stitched.metrics));
    const spread = (s: Spread, unit: string) =>
      s.mean === null
        ? 'n/a'
        : `mean ${s.mean.toFixed(2)}${unit}, std ${s.std === null ? 'n/a' : s.std.toFixed(2)}, min ${s.min!.toFixed(2)}, max ${s.max!.toFixed(2)} (${s.n} folds)`;
    io.out(`Spread over folds: total return ${spread(summary.spread.totalReturn, '%')}; Sharpe ${spread(summary.spread.sharpe, '')}`);
    const sig = stitched.significance;
    const figure = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    io.out(
      `Significance: PSR ${figure(sig.psr)}, PSR vs buy & hold ${figure(sig.psrVsBuyHold)}, DSR ${figure(sig.dsr)} (${sig.trials} trials), timing p ${figure(sig.timingPValue)}`,
    );
    for (const [key, reason] of Object.entries(sig.reasons)) io.out(`  ${key} n/a: ${reason}`);
    io.out(sig.verdict);
  }
  return 0;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

async function generateSample(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, commandOptions(COMMANDS['generate-sample']));
  const out: FileFlag = { flag: '--out', path: requireString(values.out, '--out') };
  await checkOutputs([out], [], values.force === true);
  const bars = generateSampleBars({
    bars: integerOption(values.bars, '--bars', 5000, 2),
    seed: integerOption(values.seed, '--seed', 42, 0),
    intervalMs: integerOption(values['interval-minutes'], '--interval-minutes', 1440, 1) * 60_000,
  });
  await writeOutput(out, barsToCsv(bars));
  io.out(`Wrote ${bars.close.length} bars to ${out.path}`);
  return 0;
}

function isoDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:00\.000Z$|\.000Z$/, '')
    .replace(/ 00:00$/, '');
}

export function formatReport(r: ImportReport): string {
  const lines = [
    `File:        ${r.fileName}`,
    `Rows:        ${r.rowsKept} kept of ${r.rowsRead} read`,
    `Columns:     ${r.columns.join(', ')}${r.hasHeader ? '' : ' (no header row)'}`,
    `Mapping:     ${Object.entries(r.mapping)
      .map(([role, col]) => `${role} ← ${col}`)
      .join(', ')}`,
    `Ignored:     ${r.ignoredColumns.length ? r.ignoredColumns.join(', ') : 'none'}`,
    `Delimiter:   ${JSON.stringify(r.delimiter)}, decimal separator ${JSON.stringify(r.decimalSeparator)}`,
    `Timestamps:  ${r.timestampFormat}${r.sortedNewestFirst ? ' (file was newest first; reversed)' : ''}`,
    `Interval:    ${r.intervalLabel}`,
    `Range:       ${isoDate(r.firstTime)} → ${isoDate(r.lastTime)}`,
    `Gaps:        ${r.gaps}`,
    `Volume:      ${r.hasVolume ? 'yes' : 'no (volume features left out)'}`,
  ];
  if (r.drops.length === 0) lines.push('Dropped:     nothing');
  for (const d of r.drops)
    lines.push(`Dropped:     ${d.count} × ${d.message} (rows ${d.rows.join(', ')}${d.count > d.rows.length ? ', …' : ''})`);
  for (const warning of r.warnings) lines.push(`Warning:     ${warning}`);
  for (const note of r.notes) lines.push(`Note:        ${note}`);
  return lines.join('\n');
}

export function formatMetrics(m: BacktestMetrics): string {
  return METRIC_ROWS.map((row) => {
    const reason = m[row.key] === null ? unavailableReason(m, row.key) : null;
    return `  ${row.label.padEnd(26)} ${formatMetric(m, row)}${reason ? ` (${reason})` : ''}`;
  }).join('\n');
}
