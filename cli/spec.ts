import type { ParseArgsConfig } from 'node:util';
import { configField, configFields, defaultText } from '../src/core/ppo/configFields';
import { VARIANTS } from '../src/core/ppo/config';
import { ACTION_SETS, FILL_AT, SIZINGS } from '../src/core/env/config';
import { PRESETS } from '../src/core/ppo/presets';
import { BASELINES } from '../src/core/backtest/policy';

/** One flag: its value's placeholder (none for a switch), what it does, and its default. */
export interface FlagSpec {
  arg?: string;
  /** May be given more than once (each --data of a portfolio). */
  multiple?: boolean;
  description: string;
  default?: string;
}

export interface CommandSpec {
  summary: string;
  /** Usage beyond the flags, e.g. which flags are required. */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Also list every training setting a --config file may hold. */
  settings?: boolean;
  /** A command group (`sweep run …`): the word after the command picks one of these. */
  subcommands?: Record<string, CommandSpec>;
}

const backend: FlagSpec = { arg: 'wasm|cpu', description: 'TensorFlow.js backend in Node.', default: 'wasm' };
const threads: FlagSpec = {
  arg: 'N',
  description: 'Threads for the gradient step and rollouts on wasm/cpu (the same seed trains the same on any count, up to float rounding).',
  default: 'all cores',
};
const json: FlagSpec = { description: 'Print one JSON object instead of text (progress goes to stderr).' };
const force: FlagSpec = { description: 'Replace outputs that already exist (never an input).' };
const data: FlagSpec = { arg: 'FILE', description: 'OHLCV CSV (any common layout; see inspect).' };
const model: FlagSpec = { arg: 'BUNDLE', description: 'A model file, NAME.ppo.json.' };
const variantFlag: FlagSpec = {
  arg: VARIANTS.join('|'),
  description: "PPO variant; a --config file's own variant stands unless this is given.",
  default: 'maskable',
};
const trainingFlags: Record<string, FlagSpec> = {
  steps: { arg: 'N', description: 'Environment steps in total (stop.totalTimesteps).', default: defaultText('stop.totalTimesteps') },
  lookback: { arg: 'N', description: 'Bars in each observation window (env.lookback).', default: defaultText('env.lookback') },
  seed: { arg: 'S', description: 'Seed of the network, rollouts and episode starts.', default: '1' },
  critic: {
    arg: (configField('network.critic').options ?? []).join('|'),
    description: 'Value head: one value, or quantiles of the return (network.critic; network.quantiles sets how many).',
    default: defaultText('network.critic'),
  },
  config: {
    arg: 'FILE.json',
    description: 'Training settings (any subset, nested as below); unknown keys are refused. Flags override it.',
  },
  preset: {
    arg: Object.keys(PRESETS).join('|'),
    description: 'Start from a preset of the app (a --config file and the flags override it).',
  },
  'action-set': {
    arg: ACTION_SETS.join('|'),
    description: "Hold/Buy/Sell, or RL v3's six sized actions (env.actionSet).",
    default: 'basic',
  },
  sizing: { arg: SIZINGS.join('|'), description: 'How the basic set sizes a position (env.sizing).', default: 'fixed' },
  session: { arg: 'HH:MM-HH:MM', description: 'Trade only in this intraday session (env.session); daily files ignore it.' },
  timezone: { arg: 'IANA', description: "The session's time zone, e.g. America/New_York (env.timeZone).", default: 'UTC' },
};

const portfolioData: FlagSpec = {
  arg: 'FILE',
  multiple: true,
  description: 'One OHLCV CSV per asset, given once per file (at least two).',
};
const alignFlags: Record<string, FlagSpec> = {
  join: {
    arg: 'inner|forward-fill',
    description: 'Keep the timestamps every asset has, or fill short gaps with the last close.',
    default: 'inner',
  },
  'max-fill': { arg: 'N', description: 'Forward-fill: most consecutive bars an asset may miss.', default: '3' },
};

const sweepSpecFlag: FlagSpec = {
  arg: 'FILE.json',
  description: 'Sweep spec: data, base, steps, method (grid|random|halving), trials, seed, parameters (see README).',
};

/** `sweep run | export | collect`: one sweep spec, run here or exported to a cluster, results gathered. */
const SWEEP_SUBCOMMANDS: Record<string, CommandSpec> = {
  run: {
    summary: "Run a sweep's trials here, one after another or K at once, writing DIR/result-<i>.json (existing ones are kept).",
    usage: '--spec FILE.json --out DIR',
    flags: {
      spec: sweepSpecFlag,
      out: { arg: 'DIR', description: 'Folder of the result files (created if missing); a rerun skips trials already there.' },
      parallel: { arg: 'K', description: 'Trials at once, each in its own process (at most the number of trials).', default: '1' },
      trial: { arg: 'I', description: 'Run only trial I (what a cluster task calls).' },
      rung: { arg: 'K', description: "Halving: with --trial, train at rung K's budget and write result-<i>-r<K>.json.", default: '0' },
      backend,
    },
  },
  export: {
    summary: 'Write a Slurm job array or a Kubernetes Indexed Job that runs one trial per task.',
    usage: '--spec FILE.json --to slurm|k8s --out DIR',
    flags: {
      spec: sweepSpecFlag,
      to: { arg: 'slurm|k8s', description: 'slurm: DIR/sweep.sbatch and DIR/sweep.json; k8s: DIR/sweep-job.json (a ConfigMap and a Job).' },
      out: { arg: 'DIR', description: 'Folder to write into (created if missing).' },
      cpus: { arg: 'N', description: 'CPUs per trial (--cpus-per-task; the container request).', default: '2' },
      memory: { arg: 'SIZE', description: 'Memory per trial, e.g. 4G or 512M (--mem; the container limit).', default: '4G' },
      time: { arg: 'HH:MM:SS', description: 'Time limit per trial (--time; activeDeadlineSeconds on k8s).', default: '01:00:00' },
      results: { arg: 'DIR', description: 'Slurm: where tasks write result-<i>.json and their logs.', default: 'OUT/results' },
      workdir: { arg: 'DIR', description: 'Slurm: the checkout each task runs the CLI from.', default: 'this checkout' },
      partition: { arg: 'NAME', description: 'Slurm: partition to submit to.', default: "the cluster's default" },
      parallelism: { arg: 'P', description: 'k8s: pods at once (at most the number of trials).', default: 'all trials' },
      image: { arg: 'IMAGE', description: 'k8s: the image built from the Dockerfile.', default: 'ppo-trading-lab:latest' },
      'data-volume': {
        arg: 'pvc:NAME|host:PATH',
        description: 'k8s: volume holding the data file, mounted read-only at /data (a PersistentVolumeClaim or a hostPath).',
        default: 'pvc:ppo-data',
      },
      'results-volume': {
        arg: 'pvc:NAME|host:PATH',
        description: 'k8s: volume the results are written to, mounted at /results.',
        default: 'pvc:ppo-results',
      },
      backend,
      force,
    },
  },
  collect: {
    summary: "Gather a sweep's result-<i>.json files into JSON lines sorted by trial; report missing and failed trials.",
    usage: 'DIR --out runs.jsonl',
    flags: {
      spec: { arg: 'FILE.json', description: 'The sweep spec, to name trials that wrote no result.' },
      out: { arg: 'FILE.jsonl', description: 'JSON lines to write, one run record a line.' },
      force,
    },
  },
};

/** Every command's flags, their help and their defaults: the one description parse and --help read. */
export const COMMANDS: Record<string, CommandSpec> = {
  inspect: {
    summary: 'Import a CSV and report what was read, mapped and dropped.',
    usage: '--data FILE',
    flags: { data, json },
  },
  train: {
    summary: 'Train a PPO agent, select its checkpoint on validation, test it, save the model.',
    usage: '--data FILE',
    settings: true,
    flags: {
      data,
      type: variantFlag,
      ...trainingFlags,
      episodes: { arg: 'N', description: 'Stop after this many finished episodes (stop.maxEpisodes).' },
      minutes: { arg: 'M', description: 'Stop after this many minutes (stop.maxMinutes).' },
      'episode-length': {
        arg: 'N',
        description: 'Steps before an episode is truncated (env.episodeLength).',
        default: defaultText('env.episodeLength'),
      },
      'learning-rate': { arg: 'X', description: 'Adam step size (ppo.learningRate).', default: defaultText('ppo.learningRate') },
      threads,
      output: { arg: 'NAME', description: 'Model file to write, NAME.ppo.json.', default: 'VARIANT-DATAFILE' },
      'checkpoint-every': { arg: 'K', description: 'Write the model every K updates, atomically (0: only at the end).', default: '10' },
      'runs-dir': {
        arg: 'DIR',
        description: "Append the run's record (config, curves, metrics) to DIR/runs.jsonl, which the app's runs table imports.",
        default: 'runs beside the model file',
      },
      'no-record': { description: 'Do not record the run.' },
      force,
      backend,
      json,
    },
  },
  backtest: {
    summary: 'Backtest a model (out of sample: its test split by default) or a baseline.',
    usage: '(--model BUNDLE | --baseline NAME) --data FILE',
    flags: {
      data,
      model,
      baseline: { arg: BASELINES.join('|'), description: 'Backtest a baseline instead of a model.' },
      split: {
        arg: 'all|train|validation|test',
        description: 'Bars to run on; anything but test is in sample for a model.',
        default: 'test with --model, all with --baseline',
      },
      'fill-at': {
        arg: FILL_AT.join('|'),
        description: "Where orders fill (overrides the model's setting).",
        default: "the model's, nextOpen for baselines",
      },
      'transaction-cost': {
        arg: 'X',
        description: 'Cost per side as a fraction of notional (overrides).',
        default: "the model's, 0.001 for baselines",
      },
      'slippage-bps': {
        arg: 'N',
        description: 'Fill worse by this many basis points (overrides).',
        default: "the model's, 0 for baselines",
      },
      'risk-free-rate': { arg: 'X', description: 'Annual risk-free rate for Sharpe and Sortino, as a fraction.', default: '0' },
      lookback: { arg: 'N', description: 'Observation window of a baseline run.', default: '60' },
      seed: { arg: 'S', description: 'Seed of the random baseline.', default: '1' },
      'equity-out': { arg: 'FILE.csv', description: 'Write the equity curve, one row per bar.' },
      'trades-out': { arg: 'FILE.csv', description: 'Write the closed trades.' },
      force,
      backend,
      json,
    },
  },
  predict: {
    summary: "The model's action for the latest bar of a file, for an account you describe.",
    usage: '--model BUNDLE --data FILE',
    flags: {
      data,
      model,
      position: { arg: 'flat|long|short', description: "The account's side.", default: 'flat' },
      'held-bars': { arg: 'N', description: 'Bars the open position has been held.', default: "past the model's minimum holding period" },
      'entry-price': { arg: 'X', description: 'Fill price of the open position.', default: 'the latest close' },
      exposure: {
        arg: 'X',
        description: 'Signed position value over equity (0.3: a long worth 30 % of equity).',
        default: 'one slice (sized set) or the position fraction',
      },
      cooldown: { arg: 'N', description: 'Bars of a FLATTEN cool-down still to run (sized set).', default: '0' },
      backend,
      json,
    },
  },
  evaluate: {
    summary: 'Skill or luck: a backtest with Monte Carlo, regimes, PSR / DSR and a timing test.',
    usage: '--model BUNDLE --data FILE',
    flags: {
      data,
      model,
      split: { arg: 'all|train|validation|test', description: 'Bars to evaluate on.', default: 'test' },
      'monte-carlo': { arg: 'N', description: 'Bootstrap resamples.', default: '1000' },
      retimings: { arg: 'N', description: 'Random re-timings of the positions for the timing test.', default: '1000' },
      report: { arg: 'FILE.html', description: 'Write the one-file HTML report.' },
      force,
      backend,
      json,
    },
  },
  'walk-forward': {
    summary: 'Train a fresh agent per fold, test each on a later slice, stitch the tests into one curve.',
    usage: '--data FILE',
    settings: true,
    flags: {
      data,
      type: variantFlag,
      folds: { arg: 'K', description: 'Number of folds.', default: '5' },
      window: { arg: 'expanding|rolling', description: 'Training window of later folds.', default: 'expanding' },
      purge: { arg: 'B', description: 'Bars dropped between train, validation and test (at least the lookback).', default: 'the lookback' },
      embargo: { arg: 'B', description: 'Bars skipped after each test slice.', default: '0' },
      ...trainingFlags,
      steps: { arg: 'N', description: 'Environment steps per fold.', default: defaultText('stop.totalTimesteps') },
      output: { arg: 'PREFIX', description: 'Fold models are written as PREFIX-fold<k>.ppo.json.', default: 'VARIANT-DATAFILE-wf' },
      report: { arg: 'FILE.html', description: 'Write the one-file HTML report.' },
      force,
      backend,
      threads,
      json,
    },
  },
  'portfolio-train': {
    summary: 'Train a portfolio agent on several assets (one CSV each), aligned on common timestamps.',
    usage: '--data A.csv --data B.csv [--data …]',
    flags: {
      data: portfolioData,
      ...alignFlags,
      type: {
        arg: 'standard|enhanced',
        description: 'standard: one network over all assets; enhanced: a shared per-asset encoder.',
        default: 'standard',
      },
      mode: {
        arg: 'long-only|long-short',
        description: 'Weights ≥ 0 over assets and cash, or in [−1, 1] per asset.',
        default: 'long-only',
      },
      steps: { arg: 'N', description: 'Environment steps in total.', default: '100000' },
      seed: { arg: 'S', description: 'Seed of the network, rollouts and episode starts.', default: '1' },
      config: { arg: 'FILE.json', description: 'Portfolio settings (env, ppo, network, stop, eval, split); unknown keys are refused.' },
      output: { arg: 'NAME', description: 'Model file to write, NAME.portfolio.json.', default: 'portfolio-VARIANT' },
      force,
      backend,
      json,
    },
  },
  'portfolio-backtest': {
    summary: 'Backtest a portfolio model against 1/N and buy & hold of each asset.',
    usage: '--model NAME.portfolio.json --data A.csv --data B.csv [--data …]',
    flags: {
      model: { arg: 'FILE', description: 'A portfolio model file, NAME.portfolio.json.' },
      data: portfolioData,
      ...alignFlags,
      split: { arg: 'all|train|validation|test', description: 'Bars to run on.', default: 'test' },
      backend,
      json,
    },
  },
  'portfolio-predict': {
    summary: 'The target weights a portfolio model gives after the latest common bar.',
    usage: '--model NAME.portfolio.json --data A.csv --data B.csv [--data …]',
    flags: { model: { arg: 'FILE', description: 'A portfolio model file.' }, data: portfolioData, ...alignFlags, backend, json },
  },
  'generate-sample': {
    summary: 'Write a synthetic regime-switching OHLCV CSV.',
    usage: '--out FILE',
    flags: {
      out: { arg: 'FILE', description: 'CSV to write.' },
      bars: { arg: 'N', description: 'Bars to generate.', default: '5000' },
      seed: { arg: 'S', description: 'Seed of the generator.', default: '42' },
      'interval-minutes': { arg: 'N', description: 'Bar spacing in minutes (1440: daily, weekends skipped).', default: '1440' },
      force,
    },
  },
  sweep: {
    summary: 'Hyper-parameter sweeps: run trials here, export them to Slurm or Kubernetes, collect results.',
    usage: 'run|export|collect',
    flags: {},
    subcommands: SWEEP_SUBCOMMANDS,
  },
};

/** parseArgs options for a command: strings for flags with a value, booleans for switches. */
export function commandOptions(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(spec.flags).map(([name, f]) => [
      name,
      { type: f.arg ? ('string' as const) : ('boolean' as const), ...(f.multiple ? { multiple: true } : {}) },
    ]),
  );
}

/** `npm run cli -- COMMAND --help`: every flag with its default and one line, and the settings a --config file may hold. */
export function commandHelp(name: string, subcommand?: string): string {
  const group = COMMANDS[name];
  const sub = subcommand === undefined ? undefined : group.subcommands?.[subcommand];
  if (group.subcommands && !sub) return groupHelp(name, group);
  const spec = sub ?? group;
  const title = sub ? `${name} ${subcommand}` : name;
  const lines = [`npm run cli -- ${title} ${spec.usage} [flags]`, '', spec.summary, '', 'Flags:'];
  const rows = Object.entries(spec.flags).map(([flag, f]) => [
    `--${flag}${f.arg ? ` ${f.arg}` : ''}`,
    `${f.description}${f.default ? ` Default: ${f.default}.` : ''}`,
  ]);
  const width = Math.min(40, Math.max(...rows.map(([l]) => l.length)));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  if (spec.settings) {
    lines.push('', 'Settings in --config FILE.json (defaults for maskable; the variant changes a few):');
    for (const f of configFields()) lines.push(`  ${f.path.padEnd(30)} ${defaultText(f.path).padEnd(12)} ${f.description}`);
  }
  return lines.join('\n');
}

/** `npm run cli -- sweep --help`: a group's subcommands. */
function groupHelp(name: string, group: CommandSpec): string {
  const lines = [`npm run cli -- ${name} ${group.usage} [flags]`, '', group.summary, '', 'Subcommands:'];
  for (const [sub, spec] of Object.entries(group.subcommands ?? {})) lines.push(`  ${`${name} ${sub}`.padEnd(16)} ${spec.summary}`);
  lines.push('', `npm run cli -- ${name} SUBCOMMAND --help lists its flags.`);
  return lines.join('\n');
}

/** `npm run cli -- --help`: the commands and how to get each one's flags. */
export function overviewHelp(): string {
  const lines = ['PPO Trading Lab command line', '', 'Commands:'];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    if (!spec.subcommands) lines.push(`  ${name.padEnd(16)} ${spec.summary}`);
    for (const [sub, s] of Object.entries(spec.subcommands ?? {})) lines.push(`  ${`${name} ${sub}`.padEnd(16)} ${s.summary}`);
  }
  lines.push(
    '',
    "npm run cli -- COMMAND --help lists a command's flags with their defaults.",
    'Outputs are checked before any work starts; an existing file is replaced only with --force, and an',
    'input file never. Exit codes: 0 success, 1 bad input or arguments (one line on stderr), 2 internal error.',
  );
  return lines.join('\n');
}
