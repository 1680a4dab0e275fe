import { describe, expect, it } from 'vitest';
import type { Trade } from '../backtest/types';
import { generateSampleBars } from '../data/sampleData';
import { computeFeatures } from '../features/featureSet';
import { fitVolatilityRegimes, trendRegime } from '../features/regimes';
import { labelRegimes, regimeBreakdown, type RegimeLabels } from './regimeBreakdown';

/*
 * Independent check (numpy 2.4; run with python3):
 *
 *   import numpy as np
 *   n = 61
 *   equity = 100 * np.cumprod(np.concatenate([[1], 1 + 0.01 * np.sin(np.arange(1, n) * 1.3)]))
 *   pos = np.array([(k // 4) % 2 for k in range(n)])      # 4 bars long, 4 flat, ...
 *   vol = np.array([k % 3 for k in range(n)])              # calm, normal, turbulent in turn
 *   trend = np.array([-1] * 3 + [1 if (k // 5) % 2 == 0 else 0 for k in range(3, n)])
 *   r = equity[1:] / equity[:-1] - 1
 *   trades = [(4, 3.0), (12, -1.0), (20, 2.0), (28, 0.5), (36, 1.0), (44, -2.0), (52, 0.7)]  # (entryIndex, returnPct)
 *   N = 252
 *   def row(mask):
 *       sel = r[mask[:n - 1]]
 *       sharpe = sel.mean() / sel.std(ddof=1) * np.sqrt(N) if len(sel) >= 20 else None
 *       ent = [t for t in trades if mask[t[0]]]
 *       return dict(bars=len(sel), total=(np.prod(1 + sel) - 1) * 100, sharpe=sharpe,
 *                   exposure=np.mean(pos[:n - 1][mask[:n - 1]] != 0) * 100, trades=len(ent),
 *                   win=(np.mean([t[1] > 0 for t in ent]) * 100 if ent else None))
 *   for name, mask in [('calm', vol == 0), ('normal', vol == 1), ('turbulent', vol == 2), ('up', trend == 1), ('down', trend == 0), ('calm/up', (vol == 0) & (trend == 1))]:
 *       print(name, {k: (None if v is None else float(v)) for k, v in row(mask).items()})
 * printed:
 *   calm {'bars': 20.0, 'total': 0.5797928514529538, 'sharpe': 0.6850313299482083, 'exposure': 45.0, 'trades': 2.0, 'win': 50.0}
 *   normal {'bars': 20.0, 'total': 0.9190332750417252, 'sharpe': 1.071217496319124, 'exposure': 50.0, 'trades': 3.0, 'win': 100.0}
 *   turbulent {'bars': 20.0, 'total': -0.16485657807762122, 'sharpe': -0.12162028086282498, 'exposure': 45.0, 'trades': 2.0, 'win': 50.0}
 *   up {'bars': 27.0, 'total': -0.08691105593078285, 'sharpe': -0.01609699810366409, 'exposure': 51.85185185185185, 'trades': 5.0, 'win': 60.0}
 *   down {'bars': 30.0, 'total': 0.6339308915375597, 'sharpe': 0.5193637140381547, 'exposure': 46.666666666666664, 'trades': 2.0, 'win': 100.0}
 *   calm/up {'bars': 9.0, 'total': -1.446861212954409, 'sharpe': None, 'exposure': 44.44444444444444, 'trades': 1.0, 'win': 0.0}
 */

const DAY = 86_400_000;
const n = 61;
const weekdays: number[] = [];
for (let d = 0; weekdays.length < n; d++) {
  const t = Date.UTC(2024, 0, 1) + d * DAY;
  if (![0, 6].includes(new Date(t).getUTCDay())) weekdays.push(t);
}
const equity = new Float64Array(n);
equity[0] = 100;
for (let k = 1; k < n; k++) equity[k] = equity[k - 1] * (1 + 0.01 * Math.sin(k * 1.3));
const position = Int8Array.from({ length: n }, (_, k) => Math.floor(k / 4) % 2);
const labels: RegimeLabels = {
  volatility: Uint8Array.from({ length: n }, (_, k) => k % 3),
  trend: Int8Array.from({ length: n }, (_, k) => (k < 3 ? -1 : Math.floor(k / 5) % 2 === 0 ? 1 : 0)),
  thresholds: { low: 0, high: 1 },
};
const trade = (entryIndex: number, returnPct: number): Trade => ({
  direction: 1,
  entryIndex,
  exitIndex: entryIndex + 3,
  entryTime: 0,
  exitTime: 0,
  entryPrice: 1,
  exitPrice: 1,
  returnPct,
  barsHeld: 3,
});
const trades = [trade(4, 3), trade(12, -1), trade(20, 2), trade(28, 0.5), trade(36, 1), trade(44, -2), trade(52, 0.7)];

describe('regimeBreakdown', () => {
  const rows = regimeBreakdown({ equity, position, trades, time: Float64Array.from(weekdays) }, labels);
  const byName = Object.fromEntries(rows.map((r) => [r.regime, r]));

  it('lists volatility, trend and combined regimes in a fixed order', () => {
    expect(rows.map((r) => r.regime)).toEqual([
      'calm',
      'normal',
      'turbulent',
      'down',
      'up',
      'calm/down',
      'calm/up',
      'normal/down',
      'normal/up',
      'turbulent/down',
      'turbulent/up',
    ]);
  });

  it('matches numpy per regime: bars, compounded return, Sharpe, exposure, trades entered, win rate', () => {
    const expected = {
      calm: [20, 0.5797928514529538, 0.6850313299482083, 45, 2, 50],
      normal: [20, 0.9190332750417252, 1.071217496319124, 50, 3, 100],
      turbulent: [20, -0.16485657807762122, -0.12162028086282498, 45, 2, 50],
      up: [27, -0.08691105593078285, -0.01609699810366409, 51.85185185185185, 5, 60],
      down: [30, 0.6339308915375597, 0.5193637140381547, 46.666666666666664, 2, 100],
      'calm/up': [9, -1.446861212954409, null, 44.44444444444444, 1, 0],
    } as const;
    for (const [name, [bars, total, sharpe, exposure, entered, win]] of Object.entries(expected)) {
      const row = byName[name];
      expect(row.bars, name).toBe(bars);
      expect(row.totalReturn, name).toBeCloseTo(total, 12);
      if (sharpe === null) expect(row.sharpe, name).toBeNull();
      else expect(row.sharpe, name).toBeCloseTo(sharpe, 12);
      expect(row.exposure, name).toBeCloseTo(exposure, 12);
      expect(row.trades, name).toBe(entered);
      expect(row.winRate, name).toBeCloseTo(win, 12);
    }
  });

  it('gives null with a reason where a regime has too few bars or no trades', () => {
    expect(byName['calm/up'].reason).toMatch(/9 bars in this regime/);
    const empty = regimeBreakdown({ equity, position, trades: [], time: Float64Array.from(weekdays) }, labels);
    expect(empty[0].winRate).toBeNull();
    expect(empty[0].reason).toMatch(/no trades entered/);
    expect(JSON.parse(JSON.stringify(empty))).toEqual(empty);
  });
});

describe('labelRegimes', () => {
  it('labels bars with vol20 terciles fitted on the training split and the SMA(50) slope sign', () => {
    const bars = generateSampleBars({ bars: 400, seed: 3 });
    const train = { start: 60, end: 250 };
    const labels = labelRegimes(bars, train, 300, 100);
    const vol = computeFeatures(bars, ['vol20']).values;
    const thresholds = fitVolatilityRegimes(vol, train);
    expect(labels.thresholds).toEqual(thresholds);
    const slope = trendRegime(bars);
    for (let k = 0; k < 100; k++) {
      const v = vol[300 + k];
      expect(labels.volatility[k]).toBe(v < thresholds.low ? 0 : v > thresholds.high ? 2 : 1);
      expect(labels.trend[k]).toBe(slope[300 + k] > 0 ? 1 : 0);
    }
    // A saved model's thresholds are used as given.
    expect(labelRegimes(bars, { low: 0, high: 1 }, 300, 100).volatility.every((v) => v === 1)).toBe(true);
  });
});
