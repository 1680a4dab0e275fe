import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import { parseBundle, serializeBundle } from '../model/bundle';
import { checkTrainingConfig, mergeTrainingConfig, type TrainingOverrides } from '../ppo/config';
import { SIZED_ACTION_NAMES } from '../env/observation';
import { sessionCalendar } from '../env/session';
import { backtestModel, predictLatest, trainModel } from './session';
import { describeRunRules } from './runSettings';
import { PRESETS } from '../ppo/presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small: TrainingOverrides = {
  variant: 'maskable',
  env: { lookback: 8, numEnvs: 2, episodeLength: 100 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 3 },
  eval: { everyUpdates: 0 },
};

async function intradayData() {
  const bars = generateSampleBars({ bars: 1500, seed: 5, intervalMs: 30 * 60_000, startTime: Date.UTC(2024, 2, 4, 14, 30) });
  return importCsv(barsToCsv(bars), { fileName: 'half-hour.csv' });
}

describe('trading rules through training, the model file, backtests and predictions', () => {
  it('trains the sized set with a session and regime labels, saves them, and answers with the six actions', async () => {
    const { bars, report } = await intradayData();
    const env = {
      ...small.env,
      actionSet: 'sized',
      session: '09:30-16:00',
      timeZone: 'America/New_York',
      flattenAtClose: true,
      regimeLabels: true,
      regimeAlignmentBonus: 2,
    } as const;
    const outcome = await trainModel(bars, report, { ...small, env }, 'sized');
    expect(outcome.notes).toEqual([]);
    const bundle = parseBundle(serializeBundle(outcome.bundle));
    expect(bundle.formatVersion).toBe(2);
    expect(bundle.observation.numActions).toBe(6);
    expect(bundle.observation.stateSize).toBe(4 + 4);
    expect(bundle.tradeRegimes?.thresholds.efficiency).toBeGreaterThan(0);
    expect(bundle.config.env).toMatchObject(env);

    const backtest = await backtestModel(bundle, bars, report, 'test');
    const names = new Set<string>(SIZED_ACTION_NAMES);
    for (const trade of backtest.trades) {
      expect(trade.actions?.every((a) => names.has(a))).toBe(true);
      expect(['action', 'session-close', 'end']).toContain(trade.exitReason);
      // Flat at every close: no trade outlives its 6.5-hour session.
      expect(trade.exitTime - trade.entryTime).toBeLessThanOrEqual(6.5 * 3_600_000);
    }
    expect(backtest.assumptions.session).toBe('session 09:30-16:00 America/New_York, flat at its close');

    const flat = await predictLatest(bundle, bars, report.hasVolume);
    expect(SIZED_ACTION_NAMES).toContain(flat.action_name);
    expect(Object.keys(flat.probabilities)).toEqual([...SIZED_ACTION_NAMES]);
    const expectedAfter = { HOLD: 0, LONG: 0.1, SHORT: -0.1, REDUCE: 0, CLOSE: 0, FLATTEN: 0 }[
      flat.valid_actions.includes(flat.action_name) ? flat.action_name : 'HOLD'
    ];
    expect(flat.position_after).toBeCloseTo(expectedAfter!, 12);
    const long = await predictLatest(bundle, bars, report.hasVolume, { position: 'long', exposure: 0.4 });
    const open = sessionCalendar(bars.time, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 }).inSession;
    expect(long.valid_actions).toEqual(open[bars.time.length - 1] ? ['HOLD', 'LONG', 'SHORT', 'REDUCE', 'CLOSE', 'FLATTEN'] : ['HOLD']);
    await expect(predictLatest(bundle, bars, report.hasVolume, { position: 'long', exposure: -0.4 })).rejects.toThrow(
      /does not match a long/,
    );
  });

  it('ignores a session on daily bars and says so', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 700, seed: 2 })), { fileName: 'daily.csv' });
    const outcome = await trainModel(bars, report, { ...small, env: { ...small.env, session: '09:30-16:00' } }, 'daily');
    expect(outcome.notes).toEqual([
      'Session 09:30-16:00 (UTC) ignored: the bars are daily or coarser, so a bar has no time of day to restrict.',
    ]);
  });

  it('loads a version 1 model file, which trades with the basic set', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 700, seed: 2 })), { fileName: 'daily.csv' });
    const outcome = await trainModel(bars, report, small, 'old');
    const v1 = JSON.parse(serializeBundle(outcome.bundle)) as Record<string, unknown> & { config: { env: Record<string, unknown> } };
    v1.formatVersion = 1;
    delete v1.tradeRegimes;
    const added = ['actionSet', 'sliceFraction', 'maxPosition', 'flattenCooldown', 'sizing', 'riskPerTrade', 'atrMultiple', 'kellyCap'];
    for (const key of [
      ...added,
      'kellyWindow',
      'targetVolatility',
      'forecastWindow',
      'maxLeverage',
      'borrowRatePerBar',
      'maintenanceMargin',
    ]) {
      delete v1.config.env[key];
    }
    for (const key of [
      'session',
      'timeZone',
      'noEntryMinutes',
      'flattenAtClose',
      'regimeLabels',
      'drawdownSquaredPenalty',
      'regimeAlignmentBonus',
      'survivalBonus',
    ]) {
      delete v1.config.env[key];
    }
    const loaded = parseBundle(JSON.stringify(v1));
    expect(loaded.config.env).toMatchObject({ actionSet: 'basic', sizing: 'fixed', session: null, regimeLabels: false, survivalBonus: 0 });
    expect(loaded.tradeRegimes).toBeNull();
    const p = await predictLatest(loaded, bars, report.hasVolume);
    expect(['Hold', 'Buy', 'Sell']).toContain(p.action_name);
  });
});

describe('trading-rule settings that make no sense are refused by name', () => {
  const errors = (env: TrainingOverrides['env']) => checkTrainingConfig(mergeTrainingConfig({ env })).errors;

  it.each([
    [{ actionSet: 'sized', sizing: 'kelly' }, 'env.sizing', /applies to the basic action set/],
    [{ actionSet: 'sized', sliceFraction: 0.5, maxPosition: 0.3 }, 'env.sliceFraction', /larger than the largest position/],
    [{ maxLeverage: 2 }, 'env.maxLeverage', /fixed sizing/],
    [{ flattenAtClose: true }, 'env.flattenAtClose', /needs a trading session/],
    [{ noEntryMinutes: 15 }, 'env.noEntryMinutes', /needs a trading session/],
    [{ session: '9.30-16' }, 'env.session', /HH:MM-HH:MM/],
    [{ session: '09:30-16:00', timeZone: 'Mars/Olympus' }, 'env.timeZone', /Unknown time zone "Mars\/Olympus"/],
    [{ session: '09:30-10:00', noEntryMinutes: 30 }, 'env.noEntryMinutes', /no time to enter/],
    [{ sizing: 'martingale' }, 'env.sizing', /.+/],
  ] as const)('%o → %s', (env, field, message) => {
    expect(errors(env as TrainingOverrides['env'])[field]).toMatch(message);
  });

  it('accepts each sizing with leverage on the basic set', () => {
    for (const sizing of ['atr', 'kelly', 'vol-target'] as const) expect(errors({ sizing, maxLeverage: 3 })).toEqual({});
  });
});

describe('describeRunRules', () => {
  const rules = (overrides: TrainingOverrides) => describeRunRules(mergeTrainingConfig(overrides));

  it('says only what differs from the basic set with fixed sizing', () => {
    expect(rules({})).toBe('basic, fixed 100 %');
    expect(rules({ env: { sizing: 'vol-target', maxLeverage: 3 } })).toBe('vol-target sizing, 15 % a year, ≤ 3×');
    expect(
      rules({
        env: { actionSet: 'sized', session: '09:30-16:00', timeZone: 'America/New_York', flattenAtClose: true, noEntryMinutes: 15 },
        network: { critic: 'quantile', dropout: 0.1 },
      }),
    ).toBe(
      'sized 10 % slices to 100 % · session 09:30-16:00 America/New_York, no entries in the last 15 min, flat at close · quantile critic (32) · dropout 0.1',
    );
    expect(rules(PRESETS['rl-v3'].overrides as TrainingOverrides)).toBe(
      'sized 10 % slices to 100 % · regime labels, −50·DD², +2 aligned, +0.1 per bar',
    );
  });
});
