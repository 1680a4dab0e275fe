import { availableParallelism } from 'node:os';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

const SHARED = resolve(__dirname, '../../shared/data');
const dir = mkdtempSync(join(tmpdir(), 'ppo-cli-'));
const sample = join(dir, 'sample.csv');
writeFileSync(sample, barsToCsv(generateSampleBars({ bars: 1200, seed: 5 })));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli inspect', () => {
  it('prints the import report as JSON', async () => {
    const r = await cli('inspect', '--data', sample, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.rowsKept).toBe(1200);
    expect(report.intervalLabel).toBe('1 day');
  });

  it('prints a readable report', async () => {
    const r = await cli('inspect', '--data', sample);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Rows:\s+1200 kept of 1200 read/);
  });

  it('exits 1 with one line for a missing file', async () => {
    const r = await cli('inspect', '--data', join(dir, 'nope.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^File not found: .*nope\.csv/);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it('exits 1 with the importer message for a file without prices', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'id,name,score\n1,a,2\n2,b,3\n');
    const r = await cli('inspect', '--data', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/close/i);
  });

  it('rejects unknown commands and options', async () => {
    expect((await cli('fly')).code).toBe(1);
    expect((await cli('inspect', '--data', sample, '--bogus')).err).toMatch(/bogus/);
  });

  it.skipIf(!existsSync(SHARED))('inspects every file in the shared data folder', async () => {
    for (const file of readdirSync(SHARED).filter((f) => !f.endsWith('.md'))) {
      const r = await cli('inspect', '--data', join(SHARED, file), '--json');
      expect(r.code, `${file}: ${r.err}`).toBe(0);
      expect(JSON.parse(r.out).rowsKept, file).toBeGreaterThan(100);
    }
  });
});

describe('cli backtest with a baseline', () => {
  it('reports buy & hold metrics whose total return equals the buy & hold return less costs', async () => {
    const r = await cli('backtest', '--baseline', 'buy-and-hold', '--data', sample, '--fill-at', 'close', '--json');
    expect(r.code).toBe(0);
    const { metrics, assumptions } = JSON.parse(r.out);
    expect(metrics.trades).toBe(1);
    expect(assumptions).toMatchObject({ transactionCost: 0.001, fillAt: 'close', closedAtEnd: true });
    // Bought at the first close paying c = 0.1 % of equity, closed at the last close paying c of
    // that notional: 1 + total = (1 + buy & hold)(1 − c) − c.
    expect(1 + metrics.totalReturn / 100).toBeCloseTo((1 + metrics.buyHoldReturn / 100) * 0.999 - 0.001, 9);
  });

  it('fills at the next open by default and takes cost and slippage flags', async () => {
    const base = JSON.parse((await cli('backtest', '--baseline', 'buy-and-hold', '--data', sample, '--json')).out);
    expect(base.assumptions).toMatchObject({ fillAt: 'nextOpen', slippageBps: 0 });
    const costly = JSON.parse(
      (
        await cli(
          'backtest',
          '--baseline',
          'buy-and-hold',
          '--data',
          sample,
          '--json',
          '--slippage-bps',
          '20',
          '--transaction-cost',
          '0.005',
        )
      ).out,
    );
    expect(costly.assumptions).toMatchObject({ slippageBps: 20, transactionCost: 0.005 });
    expect(costly.metrics.totalReturn).toBeLessThan(base.metrics.totalReturn);
    const bad = await cli('backtest', '--baseline', 'flat', '--data', sample, '--slippage-bps', '1e3');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--slippage-bps must be a decimal number/);
  });

  it('stays flat with the flat baseline', async () => {
    const r = await cli('backtest', '--baseline', 'flat', '--data', sample, '--split', 'test', '--json');
    const { metrics } = JSON.parse(r.out);
    expect(metrics.totalReturn).toBe(0);
    expect(metrics.trades).toBe(0);
  });

  it('backtests a file too short to split over the whole series, and says why a split cannot run', async () => {
    const short = join(dir, 'short.csv');
    writeFileSync(short, barsToCsv(generateSampleBars({ bars: 200, seed: 8 })));
    const all = await cli('backtest', '--baseline', 'buy-and-hold', '--data', short, '--json');
    expect(all.code, all.err).toBe(0);
    expect(JSON.parse(all.out).metrics.trades).toBe(1);
    const test = await cli('backtest', '--baseline', 'buy-and-hold', '--data', short, '--split', 'test');
    expect(test.code).toBe(1);
    expect(test.err).toMatch(/too short to cut into train \/ validation \/ test splits, so it has no test split/);
    expect(test.err).toMatch(/Use a lookback of at most \d+/);
    expect(test.err).toMatch(/--split all/);
  });

  it('names the allowed values of a bad --split', async () => {
    const r = await cli('backtest', '--baseline', 'flat', '--data', sample, '--split', 'later');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/all, train, validation, test/);
  });
});

describe('cli train, backtest and predict with a model', () => {
  const model = join(dir, 'tiny');
  it("trains, saves, backtests and predicts in the seeds' response shape", async () => {
    const config = join(dir, 'tiny.json');
    writeFileSync(
      config,
      JSON.stringify({
        env: { numEnvs: 2, lookback: 10 },
        ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
        network: { hidden: [16] },
        eval: { everyUpdates: 1 },
      }),
    );
    const trained = await cli(
      'train',
      '--data',
      sample,
      '--type',
      'maskable',
      '--steps',
      '128',
      '--config',
      config,
      '--output',
      model,
      '--backend',
      'cpu',
      '--json',
    );
    expect(trained.code, trained.err).toBe(0);
    const summary = JSON.parse(trained.out.split('\n').pop()!);
    expect(summary.timesteps).toBe(128);
    expect(summary.test.totalReturn).toEqual(expect.any(Number));
    expect(existsSync(`${model}.ppo.json`)).toBe(true);
    // --threads defaults to every core; the JSON and the model file say how many stepped.
    expect(summary.threadsRequested).toBe(availableParallelism());
    expect(summary.threads).toBe(availableParallelism());
    expect(JSON.parse(readFileSync(`${model}.ppo.json`, 'utf8')).training.threads).toBe(summary.threads);

    // Out of sample by default: the test split, no training or selection bar in it.
    const bt = await cli(
      'backtest',
      '--model',
      `${model}.ppo.json`,
      '--data',
      sample,
      '--json',
      '--backend',
      'cpu',
      '--equity-out',
      join(dir, 'eq.csv'),
      '--trades-out',
      join(dir, 'tr.csv'),
    );
    expect(bt.code, bt.err).toBe(0);
    const report = JSON.parse(bt.out);
    expect(report).toMatchObject({ split: 'test', inSample: false, inSampleBars: 0 });
    expect(report.metrics).toEqual(summary.test);

    // Every bar of the training file is in sample, and says so with the overlapping bar count.
    const all = await cli('backtest', '--model', `${model}.ppo.json`, '--data', sample, '--split', 'all', '--backend', 'cpu', '--json');
    const allReport = JSON.parse(all.out);
    expect(allReport.inSample).toBe(true);
    expect(allReport.inSampleBars).toBe(allReport.sample.trainingBars + allReport.sample.selectionBars);
    expect(allReport.sample.trainingBars).toBeGreaterThan(allReport.sample.selectionBars);
    expect(allReport.sample.selectionBars).toBeGreaterThan(0);
    const text = await cli('backtest', '--model', `${model}.ppo.json`, '--data', sample, '--split', 'validation', '--backend', 'cpu');
    expect(text.out).toMatch(/IN SAMPLE — In sample: 0 of \d+ bars were used for training and \d+ for choosing the checkpoint/);

    // A file too short to split has no test split: say so instead of running every bar as "test".
    const short = join(dir, 'short-for-model.csv');
    writeFileSync(short, barsToCsv(generateSampleBars({ bars: 90, seed: 8 })));
    const shortRun = await cli('backtest', '--model', `${model}.ppo.json`, '--data', short, '--backend', 'cpu');
    expect(shortRun.code).toBe(1);
    expect(shortRun.err).toMatch(/too few to cut into train \/ validation \/ test splits .* so it has no test split.*--split all/);
    expect(readFileSync(join(dir, 'eq.csv'), 'utf8').split('\n')[0]).toBe('time,close,equity,position,action,exposure');

    const p = await cli('predict', '--model', `${model}.ppo.json`, '--data', sample, '--json', '--backend', 'cpu');
    expect(p.code, p.err).toBe(0);
    const prediction = JSON.parse(p.out);
    expect(Object.keys(prediction)).toEqual(['prediction', 'action_name', 'confidence', 'value_estimate', 'position_after']);
    expect(prediction.position_after).toBe({ Hold: 0, Buy: 1, Sell: -1 }[prediction.action_name as 'Hold']);
    expect(['Hold', 'Buy', 'Sell'][prediction.prediction]).toBe(prediction.action_name);
    expect(prediction.confidence).toBeGreaterThan(0);
    expect(prediction.confidence).toBeLessThanOrEqual(1);
  });

  it('refuses --threads 0 with one line', async () => {
    const r = await cli('train', '--data', sample, '--threads', '0');
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--threads must be a whole number ≥ 1/);
  });

  it('rejects a damaged model file with one clear line', async () => {
    const broken = join(dir, 'broken.ppo.json');
    writeFileSync(broken, '{"format":"ppo-trading-lab/model","formatVersion":1,');
    const r = await cli('predict', '--model', broken, '--data', sample);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not valid JSON/);
  });

  it('rejects data without the volume the model needs', async () => {
    const noVolume = join(dir, 'novol.csv');
    writeFileSync(
      noVolume,
      readFileSync(sample, 'utf8')
        .split('\n')
        .map((l) => l.split(',').slice(0, 5).join(','))
        .join('\n'),
    );
    const r = await cli('predict', '--model', `${model}.ppo.json`, '--data', noVolume, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/volume/);
  });
});

describe('cli help and settings files', () => {
  it("prints each command's flags with their defaults and exits 0", async () => {
    const r = await cli('train', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--steps N\s+Environment steps in total \(stop\.totalTimesteps\)\. Default: 100000\./);
    // Every setting a --config file may hold, from the schema, with its default.
    expect(r.out).toMatch(/ppo\.learningRate\s+0\.0003\s+Adam step size\./);
    expect(r.out).toMatch(/env\.fillAt\s+nextOpen\s+Where an order decided at bar t fills/);
    for (const command of ['inspect', 'backtest', 'predict', 'evaluate', 'walk-forward', 'generate-sample']) {
      const help = await cli(command, '-h');
      expect(help.code, command).toBe(0);
      expect(help.out, command).toMatch(new RegExp(`^npm run cli -- ${command} `));
    }
  });

  it('refuses a --config file with unknown settings, naming each', async () => {
    const config = join(dir, 'typo.json');
    writeFileSync(config, JSON.stringify({ ppo: { learningRte: 0.001, epochs: 2 }, envv: { lookback: 5 } }));
    const r = await cli('train', '--data', sample, '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `--config ${config} has settings this app does not know: ppo.learningRte, envv. See train --help for every setting.`,
    );
  });

  it("keeps the --config file's variant unless --type is given", async () => {
    const config = join(dir, 'standard.json');
    writeFileSync(
      config,
      JSON.stringify({
        variant: 'standard',
        env: { numEnvs: 2, lookback: 10 },
        ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
        network: { hidden: [8] },
        eval: { everyUpdates: 0 },
      }),
    );
    const own = await cli(
      'train',
      '--data',
      sample,
      '--config',
      config,
      '--steps',
      '32',
      '--output',
      join(dir, 'own'),
      '--backend',
      'cpu',
      '--json',
    );
    expect(own.code, own.err).toBe(0);
    expect(JSON.parse(own.out.split('\n').pop()!).variant).toBe('standard');
    const typed = await cli(
      'train',
      '--data',
      sample,
      '--config',
      config,
      '--type',
      'maskable',
      '--steps',
      '32',
      '--output',
      join(dir, 'typed'),
      '--backend',
      'cpu',
      '--json',
    );
    expect(JSON.parse(typed.out.split('\n').pop()!).variant).toBe('maskable');
  });
  it('trains a quantile critic with --critic quantile and names the choices for an unknown one', async () => {
    const bad = await cli('train', '--data', sample, '--critic', 'median');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('Unknown --critic "median". Choose one of: scalar, quantile.');

    const config = join(dir, 'critic.json');
    writeFileSync(
      config,
      JSON.stringify({
        env: { numEnvs: 2, lookback: 10 },
        ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
        network: { hidden: [8], quantiles: 8 },
        eval: { everyUpdates: 0 },
      }),
    );
    const output = join(dir, 'quantile');
    const r = await cli(
      'train',
      '--data',
      sample,
      '--config',
      config,
      '--critic',
      'quantile',
      '--steps',
      '32',
      '--output',
      output,
      '--backend',
      'cpu',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const bundle = JSON.parse(readFileSync(`${output}.ppo.json`, 'utf8'));
    expect(bundle.config.network).toMatchObject({ critic: 'quantile', quantiles: 8, dropout: 0 });
    const help = await cli('walk-forward', '--help');
    expect(help.out).toMatch(/--critic scalar\|quantile\s+Value head: one value, or quantiles of the return/);
  });
});
