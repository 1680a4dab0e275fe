import { describe, expect, it } from 'vitest';
import { resolveEnvConfig, type EnvConfig } from './config';
import { BUY, HOLD, SELL, TradingEnv, type EpisodeStats, type MarketData } from './tradingEnv';

/** One feature per bar equal to the bar index, so windows are easy to read. */
function market(close: number[]): MarketData {
  const features = new Float32Array(close.length);
  for (let i = 0; i < close.length; i++) features[i] = i;
  return {
    features,
    featureCount: 1,
    close: Float64Array.from(close),
    time: Float64Array.from(close.map((_, i) => i * 86_400_000)),
  };
}

function env(close: number[], overrides: Partial<EnvConfig> = {}, start = 1) {
  const cfg = resolveEnvConfig({ lookback: 2, numEnvs: 1, episodeLength: 100, bustThreshold: 0.5, fillAt: 'close', ...overrides });
  const episodes: EpisodeStats[] = [];
  const e = new TradingEnv(
    cfg,
    market(close),
    { start: 0, end: close.length },
    {
      fixedStart: start,
      recordTrades: true,
      onEpisode: (_, s) => episodes.push(s),
    },
  );
  e.reset();
  return { e, episodes };
}

describe('TradingEnv', () => {
  it('observes the lookback window of features and the account state', () => {
    const { e } = env([100, 100, 110, 110], { lookback: 2 }, 1);
    expect(Array.from(e.obs)).toEqual([0, 1, 0, 0, 0]);
    e.step([BUY]);
    // bar 2: window rows 1..2, equity 10990/10000 − 1, long, unrealized (110 − 100)/100
    expect(e.obs[0]).toBe(1);
    expect(e.obs[1]).toBe(2);
    expect(e.obs[2]).toBeCloseTo(0.099, 6);
    expect(e.obs[3]).toBe(1);
    expect(e.obs[4]).toBeCloseTo(0.1, 6);
  });

  it('fills at the decision close and charges the cost on traded notional', () => {
    const { e } = env([100, 100, 110, 110]);
    e.step([BUY]);
    // units 100, cash 10000 − 10000 − 10 = −10, equity at 110 = 10990
    expect(e.stepEquity[0]).toBeCloseTo(10_990, 9);
    expect(e.rewards[0]).toBeCloseTo(0.099, 6);
    expect(e.heldPosition[0]).toBe(1);
  });

  it('closes a long on Sell instead of flipping, paying the exit cost', () => {
    const { e } = env([100, 100, 110, 110, 120]);
    e.step([BUY]);
    e.step([SELL]);
    // exit 100 units at 110: cash −10 + 11000 − 11 = 10979; flat, so equity at bar 3 is 10979
    expect(e.stepEquity[0]).toBeCloseTo(10_979, 9);
    expect(e.currentPosition(0)).toBe(0);
    expect(e.trades).toHaveLength(1);
    expect(e.trades[0]).toMatchObject({ direction: 1, entryIndex: 1, exitIndex: 2, entryPrice: 100, exitPrice: 110 });
    // (1100 gross − 10 − 11) / 10000 notional
    expect(e.trades[0].netReturn).toBeCloseTo(0.0979, 9);
  });

  it('profits from a short when the price falls', () => {
    const { e } = env([100, 100, 90, 90]);
    e.step([SELL]);
    // units −100, cash 10000 + 10000 − 10 = 19990, equity at 90 = 19990 − 9000 = 10990
    expect(e.stepEquity[0]).toBeCloseTo(10_990, 9);
    expect(e.currentPosition(0)).toBe(-1);
    e.step([BUY]);
    expect(e.currentPosition(0)).toBe(0);
    expect(e.trades[0].direction).toBe(-1);
  });

  it('applies slippage against the trader on both sides', () => {
    const { e } = env([100, 100, 100, 100], { transactionCost: 0, slippageBps: 10 });
    e.step([BUY]);
    // bought at 100.1: units 10000/100.1, marked at 100
    expect(e.stepEquity[0]).toBeCloseTo((10_000 / 100.1) * 100, 6);
    e.step([SELL]);
    expect(e.stepEquity[0]).toBeCloseTo((10_000 / 100.1) * 99.9, 6);
  });

  it('masks Buy when long, Sell when short, and Sell when flat in long-only mode', () => {
    const flat = env([100, 100, 100, 100, 100]);
    expect(Array.from(flat.e.masks)).toEqual([1, 1, 1]);
    flat.e.step([BUY]);
    expect(Array.from(flat.e.masks)).toEqual([1, 0, 1]);
    const short = env([100, 100, 100, 100]);
    short.e.step([SELL]);
    expect(Array.from(short.e.masks)).toEqual([1, 1, 0]);
    const longOnly = env([100, 100, 100, 100], { longOnly: true });
    expect(Array.from(longOnly.e.masks)).toEqual([1, 1, 0]);
  });

  it('executes an invalid action as Hold', () => {
    const { e } = env([100, 100, 110, 120, 130]);
    e.step([BUY]);
    e.step([BUY]);
    expect(e.executed[0]).toBe(HOLD);
    expect(e.trades).toHaveLength(0);
    const longOnly = env([100, 100, 90, 90], { longOnly: true });
    longOnly.e.step([SELL]);
    expect(longOnly.e.executed[0]).toBe(HOLD);
    expect(longOnly.e.stepEquity[0]).toBe(10_000);
  });

  it('terminates on bust without truncating, and reports the episode', () => {
    const { e, episodes } = env([100, 100, 160, 170, 180], { transactionCost: 0 });
    e.step([SELL]);
    // short 100 units from 100 to 160: equity 4000 < 5000
    expect(e.terminated[0]).toBe(1);
    expect(e.truncated[0]).toBe(0);
    expect(episodes).toHaveLength(1);
    expect(episodes[0].terminated).toBe(true);
    expect(episodes[0].return).toBeCloseTo(-0.6, 9);
    expect(episodes[0].maxDrawdown).toBeCloseTo(-0.6, 9);
    expect(episodes[0].trades).toBe(1);
    // auto-reset: a fresh episode at the fixed start
    expect(e.currentBar(0)).toBe(1);
    expect(e.currentEquity(0)).toBe(10_000);
  });

  it('truncates at the episode length and keeps the final observation', () => {
    const { e, episodes } = env([100, 101, 102, 103, 104, 105], { episodeLength: 2 });
    e.step([HOLD]);
    expect(e.truncated[0]).toBe(0);
    e.step([HOLD]);
    expect(e.truncated[0]).toBe(1);
    expect(e.terminated[0]).toBe(0);
    // final obs window is rows 2..3; the live obs restarted at rows 0..1
    expect(Array.from(e.finalObs.subarray(0, 2))).toEqual([2, 3]);
    expect(Array.from(e.obs.subarray(0, 2))).toEqual([0, 1]);
    expect(episodes[0]).toMatchObject({ bars: 2, startIndex: 1, endIndex: 3, terminated: false });
  });

  it('truncates at the last bar of the range and marks an open trade to the last close', () => {
    const { e } = env([100, 100, 110, 120]);
    e.step([BUY]);
    expect(e.truncated[0]).toBe(0);
    e.step([HOLD]);
    expect(e.truncated[0]).toBe(1);
    expect(e.trades).toHaveLength(1);
    expect(e.trades[0]).toMatchObject({ exitIndex: 3, exitPrice: 120 });
  });

  it('penalises holding, drawdown increases and volatility as configured', () => {
    const holding = env([100, 100, 100, 100], { holdPenalty: 0.01 });
    holding.e.step([HOLD]);
    expect(holding.e.rewards[0]).toBeCloseTo(-0.01, 6);

    const dd = env([100, 100, 90, 90], { transactionCost: 0, drawdownPenalty: 2 });
    dd.e.step([BUY]);
    // return −10 %, drawdown grows from 0 to 0.1: −0.1 − 2·0.1
    expect(dd.e.rewards[0]).toBeCloseTo(-0.3, 6);

    const vol = env([100, 100, 110, 99, 99], { transactionCost: 0, volatilityPenalty: 1, volatilityWindow: 4 });
    vol.e.step([BUY]);
    expect(vol.e.rewards[0]).toBeCloseTo(0.1, 6); // one return: no volatility yet
    vol.e.step([HOLD]);
    // returns 0.1 and −0.1: population std 0.1
    expect(vol.e.rewards[0]).toBeCloseTo(-0.1 - 0.1, 6);
  });

  it('holds a position for the minimum bars before allowing an exit', () => {
    const { e } = env([100, 100, 100, 100, 100, 100], { minHoldingBars: 2 });
    e.step([BUY]);
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
    e.step([HOLD]);
    expect(Array.from(e.masks)).toEqual([1, 0, 1]);
  });

  it('blocks new exposure while the drawdown exceeds the limit', () => {
    const { e } = env([100, 100, 80, 80, 80], { transactionCost: 0, drawdownMaskLimit: 0.1, drawdownCooldownBars: 0, bustThreshold: 0 });
    e.step([BUY]);
    e.step([SELL]);
    expect(e.currentPosition(0)).toBe(0);
    // flat at a 20 % drawdown: only Hold
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
  });

  it('lets a flat account trade again after the drawdown cool-down, from a reset peak', () => {
    const { e } = env([100, 100, 80, 80, 80, 80, 80], {
      transactionCost: 0,
      drawdownMaskLimit: 0.1,
      drawdownCooldownBars: 2,
      bustThreshold: 0,
    });
    e.step([BUY]);
    e.step([SELL]);
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
    e.step([HOLD]);
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
    e.step([HOLD]);
    // two flat steps blocked: the peak resets to 8 000 and new exposure is allowed again
    expect(Array.from(e.masks)).toEqual([1, 1, 1]);
  });

  it('reports the true drawdown from the episode peak after the cool-down resets the risk peak', () => {
    const { e, episodes } = env([100, 100, 80, 80, 80, 80, 60, 60], {
      transactionCost: 0,
      drawdownMaskLimit: 0.1,
      drawdownCooldownBars: 2,
      bustThreshold: 0,
    });
    for (const action of [BUY, SELL, HOLD, HOLD, BUY, HOLD]) e.step([action]);
    // 10 000 → 8 000 (−20 %), risk peak reset to 8 000, bought again at 80 and marked at 60: 6 000.
    // The risk mask sees −25 % from its reset peak; the episode fell 40 % from its real peak.
    expect(episodes).toHaveLength(1);
    expect(episodes[0].maxDrawdown).toBeCloseTo(-0.4, 10);
  });

  it('blocks new exposure on high-volatility bars when asked, but still allows closing', () => {
    const close = [100, 100, 100, 100, 100];
    const data = { ...market(close), highVolatility: Uint8Array.from([0, 0, 1, 1, 0]) };
    const cfg = resolveEnvConfig({ lookback: 2, numEnvs: 1, blockHighVolatility: true, fillAt: 'close' });
    const e = new TradingEnv(cfg, data, { start: 0, end: close.length }, { fixedStart: 1 });
    e.reset();
    expect(Array.from(e.masks)).toEqual([1, 1, 1]);
    e.step([BUY]);
    // bar 2 is high-volatility: long, so Sell (close) stays valid; Buy is invalid anyway
    expect(Array.from(e.masks)).toEqual([1, 0, 1]);
    e.step([SELL]);
    // flat on high-volatility bar 3: no new exposure either way
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
  });

  it('draws the same random episode starts for the same seed', () => {
    const close = Array.from({ length: 500 }, (_, i) => 100 + Math.sin(i));
    const starts = (seed: number) => {
      const cfg = resolveEnvConfig({ lookback: 5, numEnvs: 4, episodeLength: 50, seed, fillAt: 'close' });
      const e = new TradingEnv(cfg, market(close), { start: 0, end: 500 });
      e.reset();
      return [0, 1, 2, 3].map((i) => e.currentBar(i));
    };
    expect(starts(7)).toEqual(starts(7));
    expect(starts(7)).not.toEqual(starts(8));
    for (const s of starts(7)) {
      expect(s).toBeGreaterThanOrEqual(4);
      expect(s).toBeLessThanOrEqual(498 - 50 + 1);
    }
  });

  it('rejects a range too short for the lookback with a message that says what to do', () => {
    const cfg = resolveEnvConfig({ lookback: 10, numEnvs: 1, fillAt: 'close' });
    expect(() => new TradingEnv(cfg, market([1, 2, 3, 4, 5]), { start: 0, end: 5 })).toThrow(/smaller lookback/);
  });

  it('ends a short that a rally takes below zero equity at zero: position closed, no more trading', () => {
    // Short 100 units at 100 (cost 10); at 250 the position owes 15 000 against 20 000 − 10 cash.
    const { e } = env([100, 100, 250, 240, 300], { bustThreshold: 0 });
    e.step([SELL]);
    expect(e.stepEquity[0]).toBe(0);
    expect(e.rewards[0]).toBeCloseTo(-1, 9);
    expect(e.currentPosition(0)).toBe(0);
    expect(e.trades).toHaveLength(1);
    expect(e.trades[0]).toMatchObject({ direction: -1, entryIndex: 1, exitIndex: 2 });
    // Buy and Sell are masked; a Sell anyway executes as Hold and nothing changes.
    expect(Array.from(e.masks)).toEqual([1, 0, 0]);
    e.step([SELL]);
    expect(e.executed[0]).toBe(HOLD);
    expect(e.stepEquity[0]).toBe(0);
    expect(e.rewards[0]).toBe(0);
    expect(e.obs[e.obs.length - 3]).toBe(-1);
  });

  it('names the field and range of an invalid setting', () => {
    expect(() => resolveEnvConfig({ transactionCost: -1 })).toThrow(/env\.transactionCost/);
  });
});
