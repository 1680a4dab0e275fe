import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './commands';
import { barsToCsv } from '../src/core/data/sampleData';
import { generatePortfolioSample } from '../src/core/data/portfolioSample';

const dir = mkdtempSync(join(tmpdir(), 'ppo-cli-portfolio-'));
const files = generatePortfolioSample({ assets: 3, bars: 800, seed: 4, gaps: 0.01 }).map((a) => {
  const path = join(dir, `${a.name}.csv`);
  writeFileSync(path, barsToCsv(a.bars));
  return path;
});
const data = files.flatMap((f) => ['--data', f]);
const tiny = join(dir, 'tiny.json');
writeFileSync(
  tiny,
  JSON.stringify({
    env: { lookback: 8, numEnvs: 2, episodeLength: 100 },
    ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
    network: { hidden: [16] },
  }),
);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli portfolio-train, portfolio-backtest, portfolio-predict', () => {
  const model = join(dir, 'pf');
  it('trains on three files, reports the alignment, and compares the test split with the baselines', async () => {
    const r = await cli('portfolio-train', ...data, '--steps', '128', '--config', tiny, '--output', model, '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Aligned 3 assets \(inner join\): \d+ bars of 1 day/);
    expect(r.out).toMatch(/ASSET-A: 8\d\d rows, dropped \d+ no matching bar in ASSET-/);
    expect(r.out).toMatch(/equal-weight-hold/);
    expect(r.out).toMatch(/Contribution to return: ASSET-A -?\d/);
    const bundle = JSON.parse(readFileSync(`${model}.portfolio.json`, 'utf8'));
    expect(bundle.assets).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C']);

    const bt = await cli('portfolio-backtest', '--model', `${model}.portfolio.json`, ...data, '--json', '--backend', 'cpu');
    expect(bt.code, bt.err).toBe(0);
    const report = JSON.parse(bt.out);
    expect(report).toMatchObject({ split: 'test', inSample: false, assets: ['ASSET-A', 'ASSET-B', 'ASSET-C'] });
    expect(report.metrics).toEqual(bundle.metrics.test);
    expect(report.baselines).toHaveLength(7);

    const p = await cli('portfolio-predict', '--model', `${model}.portfolio.json`, ...data, '--json', '--backend', 'cpu');
    expect(p.code, p.err).toBe(0);
    const { weights } = JSON.parse(p.out);
    expect(Object.keys(weights)).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C', 'cash']);
    expect(Object.values(weights as Record<string, number>).reduce((s, w) => s + w, 0)).toBeCloseTo(1, 6);
  });

  it.each([
    [['--data', files[0]], /at least two --data files/],
    [[...data, '--join', 'outer'], /--join must be inner or forward-fill/],
    [[...data, '--type', 'maskable'], /--type must be one of standard, enhanced/],
    [[...data, '--mode', 'short-only'], /--mode must be one of long-only, long-short/],
    [[...data, '--data', files[0]], /ASSET-A/],
  ])('refuses %j with one line', async (flags, message) => {
    const r = await cli('portfolio-train', ...flags, '--steps', '64', '--output', join(dir, 'x'), '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it('refuses a single-asset model file', async () => {
    const single = join(dir, 'single.ppo.json');
    writeFileSync(single, '{"format":"ppo-trading-lab/model","formatVersion":2}');
    const r = await cli('portfolio-predict', '--model', single, ...data);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/single-asset model file/);
  });
});
