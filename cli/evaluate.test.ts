import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

const dir = mkdtempSync(join(tmpdir(), 'ppo-cli-eval-'));
const sample = join(dir, 'sample.csv');
const model = join(dir, 'tiny.ppo.json');
writeFileSync(sample, barsToCsv(generateSampleBars({ bars: 1200, seed: 6 })));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  const config = join(dir, 'tiny.json');
  writeFileSync(
    config,
    JSON.stringify({
      env: { numEnvs: 2, lookback: 10 },
      ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
      network: { hidden: [16] },
      eval: { everyUpdates: 1, minTrades: 0 },
    }),
  );
  const trained = await cli(
    'train',
    '--data',
    sample,
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
}, 60_000);

const PERCENTILES = ['p5', 'p25', 'p50', 'p75', 'p95'];

describe('cli evaluate', () => {
  it('prints the evaluation contract as JSON and writes the HTML report', async () => {
    const html = join(dir, 'report.html');
    const r = await cli(
      'evaluate',
      '--model',
      model,
      '--data',
      sample,
      '--monte-carlo',
      '200',
      '--retimings',
      '200',
      '--report',
      html,
      '--json',
      '--backend',
      'cpu',
    );
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ split: 'test', inSample: false, inSampleBars: 0, assumptions: { transactionCost: 0.001 } });
    expect(out.sample.match).toBe('same data');
    expect(out.metrics.totalReturn).toEqual(expect.any(Number));
    for (const field of ['finalReturn', 'maxDrawdown', 'sharpe']) expect(Object.keys(out.monteCarlo[field])).toEqual(PERCENTILES);
    expect(out.monteCarlo.resamples).toBe(200);
    expect(out.monteCarlo.probabilityOfLoss).toEqual(expect.any(Number));
    expect(out.monteCarloTrades.method).toBe('trades');
    expect(out.regimes.length).toBe(11);
    expect(Object.keys(out.regimes[0])).toEqual(
      expect.arrayContaining(['regime', 'bars', 'totalReturn', 'sharpe', 'exposure', 'trades', 'winRate']),
    );
    expect(Object.keys(out.significance)).toEqual(
      expect.arrayContaining(['psr', 'psrVsBuyHold', 'dsr', 'trials', 'timingPValue', 'verdict']),
    );
    expect(out.significance.timing.retimings).toBe(200);
    expect(out.significance.trials).toBeGreaterThanOrEqual(1);
    expect(out.curve).toBeUndefined();
    expect(readFileSync(html, 'utf8')).toContain(out.significance.verdict.replace(/&/g, '&amp;'));
  });

  it('prints the metrics, Monte Carlo percentiles, regimes and the verdict as text', async () => {
    const r = await cli(
      'evaluate',
      '--model',
      model,
      '--data',
      sample,
      '--split',
      'all',
      '--monte-carlo',
      '100',
      '--retimings',
      '100',
      '--backend',
      'cpu',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/all split: \d+ bars/);
    expect(r.out).toMatch(/IN SAMPLE — In sample/);
    expect(r.out).toMatch(/Total return\s+-?\d/);
    expect(r.out).toMatch(/Monte Carlo \(block bootstrap of bar returns, 100 resamples/);
    expect(r.out).toMatch(/Final return %\s+-?\d/);
    expect(r.out).toMatch(/calm\/up\s+\d+/);
    expect(r.out).toMatch(/^Edge over buy & hold: (significant|not significant|undetermined)/m);
  });

  it('refuses to overwrite its inputs with the report, and reports bad input on one line', async () => {
    const overwrite = await cli('evaluate', '--model', model, '--data', sample, '--report', sample, '--backend', 'cpu');
    expect(overwrite.code).toBe(1);
    expect(overwrite.err).toMatch(/--report .* is the --data file/);
    expect(readFileSync(sample, 'utf8').startsWith('<!doctype')).toBe(false);
    const onModel = await cli('evaluate', '--model', model, '--data', sample, '--report', model, '--backend', 'cpu');
    expect(onModel.err).toMatch(/is the --model file/);
    const bad = await cli('evaluate', '--model', model, '--data', sample, '--monte-carlo', 'lots');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('--monte-carlo must be a whole number ≥ 1 in decimal digits, got "lots".');
    const missing = await cli('evaluate', '--data', sample);
    expect(missing.err).toBe('Missing --model. See --help.');
    expect(existsSync(join(dir, 'nothing.html'))).toBe(false);
  });
});
