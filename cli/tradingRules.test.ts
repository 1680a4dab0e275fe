import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { SIZED_ACTION_NAMES } from '../src/core/env/observation';
import { parseRunsJsonl } from '../src/core/experiments/runRecord';

const dir = mkdtempSync(join(tmpdir(), 'ppo-cli-rules-'));
const halfHour = join(dir, 'half-hour.csv');
writeFileSync(
  halfHour,
  barsToCsv(generateSampleBars({ bars: 1500, seed: 6, intervalMs: 30 * 60_000, startTime: Date.UTC(2024, 2, 4, 14, 30) })),
);
const tiny = join(dir, 'tiny.json');
writeFileSync(
  tiny,
  JSON.stringify({
    env: { numEnvs: 2, lookback: 10 },
    ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
    network: { hidden: [16] },
    eval: { everyUpdates: 0 },
  }),
);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli trading-rule flags', () => {
  it('trains the sized set in a New York session and predicts with the six action names', async () => {
    const model = join(dir, 'sized');
    const flags = ['--action-set', 'sized', '--session', '09:30-16:00', '--timezone', 'America/New_York'];
    const trained = await cli(
      'train',
      '--data',
      halfHour,
      '--steps',
      '128',
      '--config',
      tiny,
      ...flags,
      '--output',
      model,
      '--backend',
      'cpu',
      '--json',
    );
    expect(trained.code, trained.err).toBe(0);
    const bundle = JSON.parse(readFileSync(`${model}.ppo.json`, 'utf8'));
    expect(bundle.config.env).toMatchObject({ actionSet: 'sized', session: '09:30-16:00', timeZone: 'America/New_York' });
    // The run is recorded beside the model, one JSON line the app's runs table imports.
    const [record] = parseRunsJsonl(readFileSync(join(dir, 'runs', 'runs.jsonl'), 'utf8'));
    expect(record).toMatchObject({ source: 'cli', kind: 'single', name: 'sized', timesteps: 128 });
    expect(record.config).toEqual(bundle.config);
    expect(record.curves.map((c) => c.name)).toContain('policyLoss');
    expect(JSON.parse(trained.out.split('\n').pop()!).runRecord).toBe(join(dir, 'runs', 'runs.jsonl'));

    const p = await cli(
      'predict',
      '--model',
      `${model}.ppo.json`,
      '--data',
      halfHour,
      '--position',
      'short',
      '--exposure=-0.2',
      '--json',
      '--backend',
      'cpu',
    );
    expect(p.code, p.err).toBe(0);
    const prediction = JSON.parse(p.out);
    expect(Object.keys(prediction)).toEqual(['prediction', 'action_name', 'confidence', 'value_estimate', 'position_after']);
    expect(SIZED_ACTION_NAMES[prediction.prediction]).toBe(prediction.action_name);
    expect(typeof prediction.position_after).toBe('number');

    const trades = join(dir, 'trades.csv');
    const bt = await cli('backtest', '--model', `${model}.ppo.json`, '--data', halfHour, '--trades-out', trades, '--backend', 'cpu');
    expect(bt.code, bt.err).toBe(0);
    expect(bt.out).toMatch(/slices of 10 % of equity up to 100 %, 10-bar cool-down after FLATTEN/);
    expect(bt.out).toMatch(/session 09:30-16:00 America\/New_York/);
    expect(readFileSync(trades, 'utf8').split('\n')[0]).toBe(
      'direction,entry_time,exit_time,entry_price,exit_price,return_pct,bars_held,max_exposure_pct,orders,exit_reason',
    );
  });

  it('starts from the RL v3 preset, and a --config file overrides it', async () => {
    const model = join(dir, 'rlv3');
    const r = await cli(
      'train',
      '--data',
      halfHour,
      '--steps',
      '64',
      '--preset',
      'rl-v3',
      '--config',
      tiny,
      '--output',
      model,
      '--backend',
      'cpu',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const bundle = JSON.parse(readFileSync(`${model}.ppo.json`, 'utf8'));
    expect(bundle.config.env).toMatchObject({
      actionSet: 'sized',
      regimeLabels: true,
      drawdownSquaredPenalty: 50,
      regimeAlignmentBonus: 2,
      survivalBonus: 0.1,
      numEnvs: 2,
    });
    expect(bundle.config.ppo).toMatchObject({ epochs: 1, numSteps: 32, minibatchSize: 32 }); // the file's, over the preset's 10 epochs
    expect(bundle.tradeRegimes.version).toBe(1);
  });

  it('says a session on daily data was ignored', async () => {
    const daily = join(dir, 'daily.csv');
    writeFileSync(daily, barsToCsv(generateSampleBars({ bars: 700, seed: 2 })));
    const r = await cli(
      'train',
      '--data',
      daily,
      '--steps',
      '64',
      '--config',
      tiny,
      '--session',
      '09:30-16:00',
      '--output',
      join(dir, 'd'),
      '--backend',
      'cpu',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Note: Session 09:30-16:00 \(UTC\) ignored: the bars are daily or coarser/);
  });

  it.each([
    [['--sizing', 'martingale'], /--sizing must be one of fixed, atr, kelly, vol-target; got "martingale"/],
    [['--action-set', 'big'], /--action-set must be one of basic, sized/],
    [['--preset', 'yolo'], /--preset must be one of fast-prototype, research, rl-v3, production/],
    [['--session', '25:00-16:00'], /hour 25 in "25:00-16:00" is outside 00–23/],
    [['--session', '09:30-16:00', '--timezone', 'Mars/Olympus'], /Unknown time zone "Mars\/Olympus"/],
    [['--action-set', 'sized', '--sizing', 'atr'], /atr sizing applies to the basic action set/],
  ])('refuses %j with one line', async (flags, message) => {
    const r = await cli(
      'train',
      '--data',
      halfHour,
      '--steps',
      '64',
      '--config',
      tiny,
      ...flags,
      '--output',
      join(dir, 'x'),
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });
});
