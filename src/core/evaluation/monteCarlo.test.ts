import { describe, expect, it } from 'vitest';
import { bandIndices, bootstrapBlocks, bootstrapTrades } from './monteCarlo';

/*
 * Independent check: the same resampling written in numpy, driven by a Python port of rng.ts so both
 * draw the same blocks and trades (numpy 2.4; run with python3):
 *
 *   import numpy as np, math
 *   M = 0xFFFFFFFF
 *   class Rng:  # port of src/core/random/rng.ts (splitmix32-seeded sfc32)
 *       def __init__(self, seed):
 *           s = seed & M; out = []
 *           for _ in range(4):
 *               s = (s + 0x9E3779B9) & M; z = s
 *               z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M
 *               z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
 *               out.append((z ^ (z >> 16)) & M)
 *           self.a, self.b, self.c, self.d = out
 *           for _ in range(12): self.u32()
 *       def u32(self):
 *           a, b, c, d = self.a, self.b, self.c, self.d
 *           t = (((a + b) & M) + d) & M
 *           self.d = (d + 1) & M
 *           self.a = b ^ (b >> 9)
 *           self.b = (c + (c << 3)) & M
 *           c = ((c << 21) | (c >> 11)) & M
 *           self.c = (c + t) & M
 *           return t
 *       def next(self): return self.u32() / 4294967296
 *       def int(self, lo, hi): return lo + math.floor(self.next() * (hi - lo))
 *
 *   pct = lambda x: [float(v) for v in np.percentile(x, [5, 25, 50, 75, 95])]
 *   DAY = 86400000
 *   # --- block bootstrap: 90 bars of 8 hours (3 a day, 30 days), equity from a fixed formula
 *   n = 90
 *   t0 = 1704067200000  # 2024-01-01T00:00Z
 *   time = t0 + np.arange(n) * 8 * 3600000
 *   k = np.arange(1, n)
 *   equity = 100 * np.concatenate([[1], np.cumprod(1 + 0.01 * np.sin(1.7 * k) + 0.003 * np.cos(0.4 * k))])
 *   m = n - 1
 *   growth = equity[1:] / equity[:-1]
 *   day = time // DAY
 *   ends = np.array([j for j in range(1, n) if j == n - 1 or day[j + 1] != day[j]])
 *   def block_bootstrap(method, L, R, seed, points):
 *       rng = Rng(seed); finals, mdds, sharpes, paths = [], [], [], []
 *       logstay = math.log(1 - 1 / L)
 *       for _ in range(R):
 *           idx = []
 *           while len(idx) < m:
 *               start = rng.int(0, m)
 *               length = 1 + math.floor(math.log(1 - rng.next()) / logstay) if method == 'stationary' else L
 *               length = min(length, m - len(idx))
 *               idx += [(start + j) % m for j in range(length)]
 *           path = np.concatenate([[1], np.cumprod(growth[idx])])
 *           finals.append(path[-1] - 1)
 *           mdds.append(np.min(path / np.maximum.accumulate(path) - 1))
 *           daily = path[ends] / np.concatenate([[1], path[ends][:-1]]) - 1
 *           sharpes.append(daily.mean() / daily.std(ddof=1) * math.sqrt(365))
 *           paths.append(path)
 *       paths = np.array(paths); x = [math.floor(j * m / (points - 1) + 0.5) for j in range(points)]  # JS Math.round, not banker's
 *       bands = np.percentile(paths[:, x], [5, 50, 95], axis=0) * equity[0]
 *       return dict(final=pct(np.array(finals) * 100), mdd=pct(np.array(mdds) * 100), sharpe=pct(sharpes),
 *                   loss=float(np.mean(np.array(finals) < 0)), dd5=float(np.mean(np.array(mdds) <= -0.05)), x=x,
 *                   p5=bands[0].tolist(), p50=bands[1].tolist(), p95=bands[2].tolist())
 *   print('periods', len(ends))
 *   for method in ['stationary', 'fixed']:
 *       print(method, block_bootstrap(method, 4, 200, 42, 7))
 *   # --- trade bootstrap
 *   trades = np.array([2.0, -1.0, 0.5, 3.1, -2.2, 1.4, -0.3, 0.9, -1.8, 2.6, 0.2, -0.7, 1.1, -0.4, 0.8,
 *                      -2.5, 1.9, 0.3, -0.9, 1.6, 0.4, -1.2, 2.2, -0.1, 0.6]) / 100
 *   rng = Rng(7); finals, mdds, sharpes, paths = [], [], [], []
 *   for _ in range(200):
 *       draw = trades[[rng.int(0, len(trades)) for _ in range(len(trades))]]
 *       path = np.concatenate([[1], np.cumprod(1 + draw)])
 *       finals.append(path[-1] - 1); mdds.append(np.min(path / np.maximum.accumulate(path) - 1))
 *       sharpes.append(draw.mean() / draw.std(ddof=1) * math.sqrt(50)); paths.append(path)
 *   paths = np.array(paths)
 *   print('trades', dict(final=pct(np.array(finals) * 100), mdd=pct(np.array(mdds) * 100), sharpe=pct(sharpes),
 *         loss=float(np.mean(np.array(finals) < 0)), dd5=float(np.mean(np.array(mdds) <= -0.05)),
 *         p50_end=float(np.percentile(paths[:, -1], 50) * 1000), p5_mid=float(np.percentile(paths[:, 13], 5) * 1000)))
 * printed (rounded here to the digits the tests compare):
 *   periods 30
 *   stationary final [-8.280430634229992, -4.416134420621689, -0.8638082633002031, 3.2879922007571007, 8.314954076534583]
 *     mdd [-10.720908940387588, -7.377858597042442, -5.237045946924002, -3.9833006298411746, -2.927307537965759]
 *     sharpe [-5.440422705270138, -2.669200845453832, -0.4273689574455617, 1.8875520258552767, 4.95973980249023]
 *     loss 0.585, dd5 0.55, x [0, 15, 30, 45, 59, 74, 89]
 *     p5 [100, 96.76224917270305, 95.0724970161588, 94.56849971337273, 93.56913093381625, 92.65376900289515, 91.71956936577]
 *     p95 [100, 102.9629145943668, 103.9432936070883, 105.45983280087268, 106.01178008969035, 107.15209750619724, 108.31495407653458]
 *   fixed final [-6.988112026941583, -3.3808777791812963, -0.46298376551153764, 1.9762225693514768, 5.8610067240278045]
 *     mdd [-9.43566960563351, -6.707945045516549, -4.997590834114801, -3.9603416658434254, -2.956055332198694]
 *     sharpe [-4.087132220815973, -1.899529069553015, -0.19418890168711941, 1.2391862640327616, 3.3511479765956977]
 *     loss 0.535, dd5 0.5, p50 [100, 99.85853088836895, 99.87312791072931, 99.9883206138314, 99.4450983479032, 99.38447510050375, 99.53701623448846]
 *   trades final [-2.9314297170627035, 3.738854284655291, 8.678250445793346, 15.144946383570845, 21.747734931565937]
 *     mdd [-8.558138723805834, -5.617367538017195, -4.208444725000005, -3.0801999999999996, -2.2000000000000126]
 *     sharpe [-0.6369011169776495, 0.7680717152676788, 1.7578482302982965, 2.7890049771899807, 3.993548039070862]
 *     loss 0.135, dd5 0.335, p50_end 1086.7825044579336, p5_mid 957.3873908271702
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const n = 90;
const time = Float64Array.from({ length: n }, (_, i) => T0 + i * 8 * HOUR);
const equity = new Float64Array(n);
equity[0] = 100;
for (let k = 1; k < n; k++) equity[k] = equity[k - 1] * (1 + 0.01 * Math.sin(1.7 * k) + 0.003 * Math.cos(0.4 * k));
const TRADES = Float64Array.from(
  [2.0, -1.0, 0.5, 3.1, -2.2, 1.4, -0.3, 0.9, -1.8, 2.6, 0.2, -0.7, 1.1, -0.4, 0.8, -2.5, 1.9, 0.3, -0.9, 1.6, 0.4, -1.2, 2.2, -0.1, 0.6],
  (x) => x / 100,
);
const five = (p: { p5: number; p25: number; p50: number; p75: number; p95: number } | null) =>
  p ? [p.p5, p.p25, p.p50, p.p75, p.p95] : null;
const close = (actual: number[] | null, expected: number[], digits = 9) => {
  expect(actual).not.toBeNull();
  (actual as number[]).forEach((a, i) => expect(a, `index ${i}`).toBeCloseTo(expected[i], digits));
};

describe('bootstrapBlocks', () => {
  const config = { resamples: 200, seed: 42, blockLength: 4, drawdownThreshold: 5, bandPoints: 7 };

  it('matches the numpy stationary block bootstrap on the same draws', () => {
    const r = bootstrapBlocks({ equity, time }, { ...config, blockMethod: 'stationary' });
    expect(r.blockLength).toBe(4);
    close(five(r.finalReturn), [-8.280430634229992, -4.416134420621689, -0.8638082633002031, 3.2879922007571007, 8.314954076534583]);
    close(five(r.maxDrawdown), [-10.720908940387588, -7.377858597042442, -5.237045946924002, -3.9833006298411746, -2.927307537965759]);
    close(five(r.sharpe), [-5.440422705270138, -2.669200845453832, -0.4273689574455617, 1.8875520258552767, 4.95973980249023]);
    expect(r.probabilityOfLoss).toBe(0.585);
    expect(r.probabilityOfDrawdownBeyond).toBe(0.55);
    expect(r.equityBands?.x).toEqual([0, 15, 30, 45, 59, 74, 89]);
    close(
      r.equityBands?.p5 ?? null,
      [100, 96.76224917270305, 95.0724970161588, 94.56849971337273, 93.56913093381625, 92.65376900289515, 91.71956936577],
    );
    close(
      r.equityBands?.p95 ?? null,
      [100, 102.9629145943668, 103.9432936070883, 105.45983280087268, 106.01178008969035, 107.15209750619724, 108.31495407653458],
    );
  });

  it('matches the numpy fixed-length block bootstrap on the same draws', () => {
    const r = bootstrapBlocks({ equity, time }, { ...config, blockMethod: 'fixed' });
    close(five(r.finalReturn), [-6.988112026941583, -3.3808777791812963, -0.46298376551153764, 1.9762225693514768, 5.8610067240278045]);
    close(five(r.maxDrawdown), [-9.43566960563351, -6.707945045516549, -4.997590834114801, -3.9603416658434254, -2.956055332198694]);
    close(five(r.sharpe), [-4.087132220815973, -1.899529069553015, -0.19418890168711941, 1.2391862640327616, 3.3511479765956977]);
    expect(r.probabilityOfLoss).toBe(0.535);
    expect(r.probabilityOfDrawdownBeyond).toBe(0.5);
    close(
      r.equityBands?.p50 ?? null,
      [100, 99.85853088836895, 99.87312791072931, 99.9883206138314, 99.4450983479032, 99.38447510050375, 99.53701623448846],
    );
  });

  it('gives the same distributions for the same seed and different ones for another', () => {
    const a = bootstrapBlocks({ equity, time }, { ...config, seed: 3 });
    expect(bootstrapBlocks({ equity, time }, { ...config, seed: 3 })).toEqual(a);
    expect(bootstrapBlocks({ equity, time }, { ...config, seed: 4 }).finalReturn).not.toEqual(a.finalReturn);
  });

  it('reproduces the backtest exactly when one block covers it all', () => {
    const r = bootstrapBlocks({ equity, time }, { ...config, blockMethod: 'fixed', blockLength: n - 1 });
    // Every resample is a rotation of the same returns, so all end at the same equity.
    expect(r.finalReturn?.p5).toBeCloseTo((equity[n - 1] / equity[0] - 1) * 100, 9);
    expect(r.finalReturn?.p95).toBeCloseTo((equity[n - 1] / equity[0] - 1) * 100, 9);
  });

  it('leaves Sharpe null with a reason when the backtest spans fewer than 20 days', () => {
    const r = bootstrapBlocks({ equity: equity.subarray(0, 45), time: time.subarray(0, 45) }, config);
    expect(r.sharpe).toBeNull();
    expect(r.reasons.sharpe).toMatch(/15 daily return periods/);
    expect(r.finalReturn).not.toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('counts a ruined account as a 100 % loss in every resample that draws the ruin', () => {
    const ruined = Float64Array.from([100, 110, 0, 0, 0, 0]);
    const r = bootstrapBlocks({ equity: ruined, time: time.subarray(0, 6) }, { resamples: 50, blockLength: 5, blockMethod: 'fixed' });
    expect(r.finalReturn?.p5).toBe(-100);
    expect(r.maxDrawdown?.p5).toBe(-100);
  });
});

describe('bootstrapTrades', () => {
  it('matches the numpy trade bootstrap on the same draws', () => {
    const r = bootstrapTrades(
      { tradeReturns: TRADES, tradesPerYear: 50, initialEquity: 1000 },
      { resamples: 200, seed: 7, drawdownThreshold: 5, bandPoints: 300 },
    );
    close(five(r.finalReturn), [-2.9314297170627035, 3.738854284655291, 8.678250445793346, 15.144946383570845, 21.747734931565937]);
    close(five(r.maxDrawdown), [-8.558138723805834, -5.617367538017195, -4.208444725000005, -3.0801999999999996, -2.2000000000000126]);
    close(five(r.sharpe), [-0.6369011169776495, 0.7680717152676788, 1.7578482302982965, 2.7890049771899807, 3.993548039070862]);
    expect(r.probabilityOfLoss).toBe(0.135);
    expect(r.probabilityOfDrawdownBeyond).toBe(0.335);
    // 26 path points (start + 25 trades) fit in 300, so the bands are per trade.
    expect(r.equityBands?.axis).toBe('trade');
    expect(r.equityBands?.x).toHaveLength(26);
    expect(r.equityBands?.p50[25]).toBeCloseTo(1086.7825044579336, 8);
    expect(r.equityBands?.p5[13]).toBeCloseTo(957.3873908271702, 8);
  });

  it('matches the exact distribution of two trades, +10 % and −10 %, by hand', () => {
    // Two draws: 1.1² (¼), 1.1·0.9 (½), 0.9² (¼) → +21 %, −1 %, −19 %; drawdowns 0 (¼), −10 % (½), −19 % (¼).
    const r = bootstrapTrades(
      { tradeReturns: Float64Array.from([0.1, -0.1]), tradesPerYear: 10, initialEquity: 1 },
      { resamples: 4000, seed: 11, drawdownThreshold: 15 },
    );
    expect(r.finalReturn?.p5).toBeCloseTo(-19, 10);
    expect(r.finalReturn?.p50).toBeCloseTo(-1, 10);
    expect(r.finalReturn?.p95).toBeCloseTo(21, 10);
    expect(r.maxDrawdown?.p5).toBeCloseTo(-19, 10);
    expect(r.maxDrawdown?.p50).toBeCloseTo(-10, 10);
    expect(r.maxDrawdown?.p95).toBe(0);
    // ¾ ± 3 standard errors (√(¾·¼/4000) = 0.0068), and ¼ for the −19 % drawdown.
    expect(Math.abs((r.probabilityOfLoss as number) - 0.75)).toBeLessThan(0.021);
    expect(Math.abs((r.probabilityOfDrawdownBeyond as number) - 0.25)).toBeLessThan(0.021);
    expect(r.sharpe).toBeNull();
    expect(r.reasons.sharpe).toMatch(/2 trades/);
  });

  it('is null with a reason for a backtest without trades', () => {
    const r = bootstrapTrades({ tradeReturns: new Float64Array(0), tradesPerYear: 0, initialEquity: 1 });
    expect(r.finalReturn).toBeNull();
    expect(r.probabilityOfLoss).toBeNull();
    expect(r.reasons.finalReturn).toMatch(/no trades/);
  });
});

describe('bandIndices', () => {
  it('spreads at most the asked points evenly over the path, both ends included', () => {
    expect(Array.from(bandIndices(5, 300))).toEqual([0, 1, 2, 3, 4]);
    const idx = bandIndices(100_001, 300);
    expect(idx).toHaveLength(300);
    expect(idx[0]).toBe(0);
    expect(idx[299]).toBe(100_000);
    for (let j = 1; j < 300; j++) expect(idx[j]).toBeGreaterThan(idx[j - 1]);
  });
});
