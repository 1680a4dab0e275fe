import { describe, expect, it } from 'vitest';
import { resolveEnvConfig, type EnvConfig } from './config';
import { CLOSE, FLATTEN, HOLD, LONG, REDUCE, SHORT, TradingEnv, BUY, type EpisodeStats, type MarketData } from './tradingEnv';
import { accountFeatures, observationSize, SIZED_ACTION_NAMES } from './observation';
import { kellyFraction } from './sizing';
import { sessionCalendar } from './session';

// Every expected figure below was worked by hand and re-computed independently by
// fixtures/trading_rules_check.py (plain Python floats, no shared code); its output is quoted.

const DAY = 86_400_000;

function market(close: number[], extra: Partial<MarketData> = {}): MarketData {
  return {
    features: new Float32Array(close.length),
    featureCount: 1,
    close: Float64Array.from(close),
    open: Float64Array.from(close),
    time: Float64Array.from(close.map((_, i) => i * DAY)),
    ...extra,
  };
}

function envFor(data: MarketData, overrides: Partial<EnvConfig>, start = 0) {
  const cfg = resolveEnvConfig({ lookback: 1, numEnvs: 1, episodeLength: 10_000, bustThreshold: 0, fillAt: 'close', ...overrides });
  const episodes: EpisodeStats[] = [];
  const env = new TradingEnv(
    cfg,
    data,
    { start: 0, end: data.close.length },
    {
      fixedStart: start,
      recordTrades: true,
      onEpisode: (_, s) => episodes.push(s),
    },
  );
  env.reset();
  return { env, episodes };
}

const mask = (env: TradingEnv): string[] => SIZED_ACTION_NAMES.filter((_, a) => env.masks[a] === 1);

describe('the sized action set', () => {
  const sized = { actionSet: 'sized', sliceFraction: 0.1, maxPosition: 0.3, flattenCooldown: 2 } as const;

  it('adds slices, halves, closes and flattens with the accounting of the independent check', () => {
    const { env } = envFor(market([100, 110, 120, 120, 120, 100, 100, 100, 100, 100]), sized);
    expect(mask(env)).toEqual(['HOLD', 'LONG', 'SHORT']); // REDUCE, CLOSE and FLATTEN need a position
    env.step([LONG]);
    expect(env.stepEquity[0]).toBeCloseTo(10099.0, 9);
    env.step([LONG]);
    expect(env.stepEquity[0]).toBeCloseTo(10289.79919090909, 9);
    expect(env.currentExposure(0)).toBeCloseTo((19.180909090909 * 120) / 10289.79919090909, 9);
    env.step([REDUCE]);
    expect(env.stepEquity[0]).toBeCloseTo(10288.648336363636, 9);
    env.step([CLOSE]);
    expect(env.stepEquity[0]).toBeCloseTo(10287.497481818182, 9);
    env.step([SHORT]);
    expect(env.stepEquity[0]).toBeCloseTo(10457.927023433636, 9);
    env.step([FLATTEN]);
    expect(env.stepEquity[0]).toBeCloseTo(10457.069731976819, 9);

    const [first, second] = env.trades;
    expect(first.actions.map((a) => SIZED_ACTION_NAMES[a])).toEqual(['LONG', 'LONG', 'REDUCE', 'CLOSE']);
    expect(first.entryPrice).toBeCloseTo(104.78648277169535, 9);
    expect(first.netReturn).toBeCloseTo(0.14304068949608525, 12);
    expect(second.actions.map((a) => SIZED_ACTION_NAMES[a])).toEqual(['SHORT', 'FLATTEN']);
    expect(second.netReturn).toBeCloseTo(0.16483333333333333, 12);
    expect(second.direction).toBe(-1);

    // FLATTEN blocks new entries for flattenCooldown (2) bars, then they come back.
    expect(mask(env)).toEqual(['HOLD']);
    env.step([LONG]);
    expect(env.executed[0]).toBe(HOLD);
    expect(mask(env)).toEqual(['HOLD']);
    env.step([HOLD]);
    expect(mask(env)).toEqual(['HOLD', 'LONG', 'SHORT']);
  });

  it('masks LONG at the largest position and SHORT when long only; Standard executes them as HOLD', () => {
    const { env } = envFor(market(Array(10).fill(100)), { ...sized, longOnly: true });
    expect(mask(env)).toEqual(['HOLD', 'LONG']);
    env.step([REDUCE]); // invalid when flat: executed as HOLD
    expect(env.executed[0]).toBe(HOLD);
    env.step([LONG]);
    env.step([LONG]);
    expect(mask(env)).toEqual(['HOLD', 'LONG', 'REDUCE', 'CLOSE', 'FLATTEN']);
    env.step([LONG]);
    expect(env.currentExposure(0)).toBeCloseTo(0.3, 2);
    expect(mask(env)).toEqual(['HOLD', 'REDUCE', 'CLOSE', 'FLATTEN']);
    env.step([LONG]);
    expect(env.executed[0]).toBe(HOLD);
  });

  it('LONG on a short closes it first and opens one slice', () => {
    const { env } = envFor(market(Array(6).fill(100)), { ...sized, transactionCost: 0 });
    env.step([SHORT]);
    env.step([SHORT]);
    expect(env.currentExposure(0)).toBeCloseTo(-0.2, 12);
    env.step([LONG]);
    expect(env.currentExposure(0)).toBeCloseTo(0.1, 12);
    expect(env.trades).toHaveLength(1);
  });

  it('observes the signed position size after the side', () => {
    const cfg = resolveEnvConfig({ lookback: 1, ...sized });
    expect(accountFeatures(cfg)).toEqual(['equityChange', 'position', 'unrealizedPnl', 'positionSize']);
    const data = market(Array(6).fill(100));
    expect(observationSize(data, cfg)).toBe(1 + 4);
    const { env } = envFor(data, { ...sized, transactionCost: 0 });
    env.step([SHORT]);
    env.step([SHORT]);
    expect(Array.from(env.obs, (x) => x + 0)).toEqual([0, 0, -1, 0, expect.closeTo(-0.2, 6)]);
  });
});

describe('position sizing of the basic set', () => {
  function atrMarket(close: number[], high: number[], low: number[]): MarketData {
    return market(close, { high: Float64Array.from(high), low: Float64Array.from(low) });
  }

  it('borrows above equity, pays the borrow rate and is margin-called, as the independent check computes', () => {
    const close = [...Array(17).fill(100), 60, 60];
    const high = [...Array(17).fill(101), 100, 61];
    const low = [...Array(17).fill(99), 59, 59];
    const cfg = {
      sizing: 'atr',
      riskPerTrade: 0.08,
      atrMultiple: 2,
      maxLeverage: 2,
      borrowRatePerBar: 0.001,
      maintenanceMargin: 0.25,
    } as const;
    const { env, episodes } = envFor(atrMarket(close, high, low), { ...cfg, lookback: 16 }, 15);
    env.step([BUY]); // ATR(14) = 2 on a 100 close: 2× equity
    expect(env.currentExposure(0)).toBeCloseTo(20_000 / 9969.98, 9);
    expect(env.stepEquity[0]).toBeCloseTo(9969.98, 9);
    env.step([HOLD]);
    expect(env.stepEquity[0]).toBeCloseTo(1947.9499799999994, 9);
    expect(env.currentPosition(0)).toBe(0);
    expect(env.trades[0].exitReason).toBe('margin-call');
    expect(env.trades[0].netReturn).toBeCloseTo(-0.40260250100000006, 12);
    env.step([HOLD]);
    expect(episodes[0].marginCalls).toBe(1);
  });

  it('targets volatility: fraction = target / annualised σ of the last forecastWindow log returns', () => {
    const close = [100];
    for (let i = 0; i < 6; i++) close.push(close[close.length - 1] * Math.exp(i % 2 === 0 ? 0.01 : -0.01));
    // Bars every day including weekends: 365 a year. σ = 0.2206052281036573, fraction 0.6799476208674369.
    const { env } = envFor(market(close), { sizing: 'vol-target', targetVolatility: 0.15, forecastWindow: 4, transactionCost: 0 }, 4);
    env.step([BUY]);
    expect(env.heldExposure[0]).toBeCloseTo(0.6799476208674369, 9);
  });

  it('caps volatility targeting at maxLeverage', () => {
    const close = Array.from({ length: 8 }, (_, i) => 100 * Math.exp((i % 2) * 0.0001));
    const { env } = envFor(
      market(close),
      { sizing: 'vol-target', targetVolatility: 0.15, forecastWindow: 4, maxLeverage: 1.5, transactionCost: 0 },
      5,
    );
    env.step([BUY]);
    expect(env.heldExposure[0]).toBeCloseTo(1.5, 9);
  });

  it('sizes ATR positions to risk riskPerTrade per stop', () => {
    const n = 17;
    const { env } = envFor(
      atrMarket(Array(n).fill(100), Array(n).fill(101), Array(n).fill(99)),
      { sizing: 'atr', lookback: 16, transactionCost: 0 },
      15,
    );
    env.step([BUY]); // 0.01 / (2 × 0.02) = 25 % of equity
    expect(env.heldExposure[0]).toBeCloseTo(0.25, 12);
  });

  it('estimates fractional Kelly from past trades, as the independent check computes', () => {
    const outcomes = Float64Array.from([...Array(12).fill(0.02), ...Array(8).fill(-0.01)]);
    expect(kellyFraction(outcomes, 0, 20, { kellyCap: 0.5, maxLeverage: 20 })).toBeCloseTo(14.285714285714267, 9);
    expect(kellyFraction(outcomes, 0, 20, { kellyCap: 0.5, maxLeverage: 2 })).toBe(2);
    expect(kellyFraction(outcomes, 0, 19, { kellyCap: 0.5, maxLeverage: 2 })).toBeNull();
    expect(kellyFraction(Float64Array.from(Array(20).fill(-0.01)), 0, 20, { kellyCap: 0.5, maxLeverage: 2 })).toBe(0.01);
  });

  it('sizes Kelly orders at the fixed fraction until 20 trades, and counts them', () => {
    const close = Array.from({ length: 60 }, (_, i) => 100 + (i % 2));
    const { env } = envFor(market(close), { sizing: 'kelly', positionFraction: 0.5, transactionCost: 0 });
    for (let k = 0; k < 58; k++) env.step([k % 2 === 0 ? BUY : 2]);
    expect(env.trades.length).toBe(29);
    expect(env.kellyFallbacks).toBe(20);
    // Every trade bought at 100 and sold at 101 (+1 %): from the 21st on, Kelly sizes at maxLeverage 1.
    expect(env.trades[19].maxExposure).toBeCloseTo(0.5, 9);
    expect(env.trades[20].maxExposure).toBeCloseTo(1, 9);
  });
});

describe('intraday session rules', () => {
  it('flattens at the last bar of each session on both sides of a daylight-saving change, with no late entries', () => {
    const start = Date.UTC(2024, 2, 6);
    const time = Float64Array.from({ length: 7 * 48 }, (_, i) => start + i * 30 * 60_000);
    const close = Array.from(time, (_, i) => 100 + Math.sin(i / 5));
    const rule = { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 60 };
    const data = market(close, { time, session: sessionCalendar(time, rule) });
    const { env } = envFor(data, { ...rule, flattenAtClose: true, fillAt: 'nextOpen' });
    for (let k = 0; k < time.length - 2; k++) env.step([BUY]);
    const utc = (i: number) => new Date(time[i]).toISOString().slice(11, 16);
    const exits = env.trades.map((t) => [new Date(time[t.exitIndex]).toISOString().slice(0, 10), utc(t.exitIndex), t.exitReason]);
    // Local 15:30 is 20:30Z in EST (to 10 March) and 19:30Z in EDT (from 11 March); worked out by hand.
    expect(exits).toEqual([
      ['2024-03-06', '20:30', 'session-close'],
      ['2024-03-07', '20:30', 'session-close'],
      ['2024-03-08', '20:30', 'session-close'],
      ['2024-03-09', '20:30', 'session-close'],
      ['2024-03-10', '19:30', 'session-close'],
      ['2024-03-11', '19:30', 'session-close'],
      ['2024-03-12', '19:30', 'session-close'],
    ]);
    // Entries fill at 09:30 local, never in the last hour; nothing is held over a bar outside the session.
    expect(env.trades.map((t) => utc(t.entryIndex))).toEqual(['14:30', '14:30', '14:30', '14:30', '13:30', '13:30', '13:30']);
  });

  it('masks every order but HOLD for a fill outside the session', () => {
    const start = Date.UTC(2024, 0, 2, 20, 0);
    const time = Float64Array.from({ length: 6 }, (_, i) => start + i * 30 * 60_000); // 15:00 … 17:30 New York
    const data = market(Array(6).fill(100), {
      time,
      session: sessionCalendar(time, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 }),
    });
    const { env } = envFor(data, { session: '09:30-16:00', timeZone: 'America/New_York', fillAt: 'nextOpen' });
    expect(Array.from(env.masks)).toEqual([1, 1, 1]); // fills at 15:30
    env.step([HOLD]);
    expect(Array.from(env.masks)).toEqual([1, 0, 0]); // would fill at 16:00, the close
  });
});

describe('regime-labelled rewards', () => {
  it('adds the survival and alignment bonuses and subtracts drawdown² × the penalty', () => {
    const data = market([100, 100, 90, 90], {
      tradeRegimes: { label: Uint8Array.from([0, 0, 1, 1]), direction: Int8Array.from([1, 1, 0, 0]) },
    });
    const { env } = envFor(data, { transactionCost: 0, survivalBonus: 0.1, regimeAlignmentBonus: 2, drawdownSquaredPenalty: 50 });
    env.step([BUY]); // long over bar 0 → 1, regime direction +1 at bar 0: aligned, flat price
    expect(env.rewards[0]).toBeCloseTo(0 + 0.1 + 2, 6);
    env.step([HOLD]); // long over 1 → 2, aligned, −10 %: drawdown 0.1 → −50 × 0.01
    expect(env.rewards[0]).toBeCloseTo(-0.1 + 0.1 + 2 - 0.5, 6);
  });

  it('puts the regime one-hot in the observation', () => {
    const data = market([100, 100, 90, 90], {
      tradeRegimes: { label: Uint8Array.from([2, 3, 1, 1]), direction: Int8Array.from([1, -1, 0, 0]) },
    });
    const { env } = envFor(data, { regimeLabels: true });
    expect(Array.from(env.obs)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    env.step([HOLD]);
    expect(Array.from(env.obs.subarray(4))).toEqual([0, 0, 0, 1]);
  });

  it('refuses regime rewards on a market without labels', () => {
    expect(() => envFor(market([100, 100, 100]), { regimeAlignmentBonus: 1 })).toThrow(/regime labels/);
  });
});
