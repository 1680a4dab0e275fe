import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

const dir = mkdtempSync(join(tmpdir(), 'ppo-cli-wf-'));
const sample = join(dir, 'sample.csv');
writeFileSync(sample, barsToCsv(generateSampleBars({ bars: 700, seed: 5 })));
const tinyConfig = join(dir, 'tiny.json');
writeFileSync(
  tinyConfig,
  JSON.stringify({
    env: { numEnvs: 2, episodeLength: 50 },
    ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
    network: { hidden: [16] },
    eval: { everyUpdates: 1, minTrades: 0 },
  }),
);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli walk-forward', () => {
  it('prints folds with dates and test metrics, and the stitched curve with its significance, as JSON', async () => {
    const prefix = join(dir, 'wf');
    const r = await cli(
      'walk-forward',
      '--data',
      sample,
      '--folds',
      '2',
      '--steps',
      '128',
      '--lookback',
      '8',
      '--config',
      tinyConfig,
      '--backend',
      'cpu',
      '--output',
      prefix,
      '--report',
      join(dir, 'out.html'),
      '--json',
    );
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.folds).toHaveLength(2);
    for (const fold of json.folds) {
      for (const slice of ['train', 'validation', 'test']) expect(fold[slice].firstTime < fold[slice].lastTime).toBe(true);
      expect(typeof fold.metrics.totalReturn).toBe('number');
      expect(existsSync(fold.model)).toBe(true);
    }
    expect(json.plan).toMatchObject({ folds: 2, window: 'expanding', purge: 8, embargo: 0, stepsPerFold: 128 });
    const sig = json.stitched.significance;
    for (const key of ['psr', 'psrVsBuyHold', 'dsr', 'trials', 'timingPValue', 'verdict']) expect(sig).toHaveProperty(key);
    expect(typeof sig.verdict).toBe('string');
    expect(json.stitched.metrics).toHaveProperty('totalReturn');
    // The one-file report: the last fold's model, every fold, and the stitched out-of-sample curve.
    const html = readFileSync(join(dir, 'out.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toMatch(/[Ww]alk-forward/);
  });

  it('exits 1 naming the largest number of folds that fits', async () => {
    const r = await cli('walk-forward', '--data', sample, '--folds', '500', '--lookback', '8', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^500 folds do not fit in 700 bars .*Use at most \d+ folds \(the largest number that fits\)/);
  });

  it('exits 1 for a purge shorter than the lookback', async () => {
    const r = await cli('walk-forward', '--data', sample, '--purge', '3', '--lookback', '8', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/purge of 3 bars is shorter than the lookback \(8\)/);
  });
});
