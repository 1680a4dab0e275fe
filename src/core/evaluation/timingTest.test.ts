import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { positionRuns, timingTest } from './timingTest';

/*
 * Independent check: the re-timings rebuilt as whole position series in numpy, driven by a Python port
 * of rng.ts so both draw the same permutations and shifts (numpy 2.4; run with python3):
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
 *   pct = lambda x: [float(v) for v in np.percentile(x, [5, 25, 50, 75, 95])]
 *   # 61 closes, a position series with 6 holding periods (long and short), cost 0.2 % per unit change
 *   close = 100 * np.exp(np.cumsum(np.concatenate([[0], 0.02 * np.sin(0.9 * np.arange(1, 61)) + 0.004])))
 *   pos = np.array([0]*3 + [1]*5 + [0]*4 + [-1]*6 + [0]*2 + [1]*8 + [0]*5 + [1]*3 + [0]*6 + [-1]*4 + [0]*3 + [1]*7 + [0]*5)
 *   m = len(close) - 1; c = 0.002; move = close[1:] / close[:-1] - 1
 *   def wealth(p):  # per bar: cost on each change (from flat at the start), then the bar's move
 *       prev = np.concatenate([[0], p[:-1]])
 *       return float(np.prod((1 - c * np.abs(p - prev)) * (1 + p * move)))
 *   runs = []  # (side, length)
 *   for k in range(m):
 *       if k > 0 and pos[k] == pos[k - 1]: runs[-1][1] += 1
 *       else: runs.append([pos[k], 1])
 *   held = [i for i, r in enumerate(runs) if r[0] != 0]; flat = [i for i, r in enumerate(runs) if r[0] == 0]
 *   def shuffle(a, rng):
 *       for i in range(len(a) - 1, 0, -1):
 *           j = rng.int(0, i + 1); a[i], a[j] = a[j], a[i]
 *   def rebuild(h, f):
 *       out, hi, fi = [], 0, 0
 *       for side, _ in runs:
 *           if side == 0: r = runs[f[fi]]; fi += 1
 *           else: r = runs[h[hi]]; hi += 1
 *           out += [r[0]] * r[1]
 *       return np.array(out)
 *   agent = wealth(pos[:m])
 *   rng = Rng(5); h, f = held[:], flat[:]; perm = []
 *   for _ in range(300):
 *       shuffle(h, rng); shuffle(f, rng); perm.append(wealth(rebuild(h, f)))
 *   perm = np.array(perm)
 *   print('agent %', (agent - 1) * 100, 'held runs', len(held))
 *   print('permute p', (1 + np.sum(perm >= agent)) / 301, 'pct', pct((perm - 1) * 100))
 *   rng = Rng(5); shift = []
 *   for _ in range(300):
 *       s = 1 + rng.int(0, m - 1); shift.append(wealth(np.roll(pos[:m], -s)))
 *   shift = np.array(shift)
 *   print('shift p', (1 + np.sum(shift >= agent)) / 301, 'pct', pct((shift - 1) * 100))
 * printed:
 *   agent % -4.69259955027439 held runs 6
 *   permute p 0.9235880398671097 pct [-5.426693310038725, -1.844017241000076, 2.4508341658994626, 6.238791306415664, 11.681834146105727]
 *   shift p 0.8770764119601329 pct [-8.995290164569091, -1.1459793547661357, 3.50554901016209, 8.879130773806644, 15.31555665040607]
 */

const CLOSE = new Float64Array(61);
CLOSE[0] = 100;
for (let k = 1; k <= 60; k++) CLOSE[k] = CLOSE[k - 1] * Math.exp(0.02 * Math.sin(0.9 * k) + 0.004);
const RUNS: [number, number][] = [
  [0, 3],
  [1, 5],
  [0, 4],
  [-1, 6],
  [0, 2],
  [1, 8],
  [0, 5],
  [1, 3],
  [0, 6],
  [-1, 4],
  [0, 3],
  [1, 7],
  [0, 5],
];
const POSITION = Int8Array.from(RUNS.flatMap(([side, length]) => new Array<number>(length).fill(side)));
const five = (p: { p5: number; p25: number; p50: number; p75: number; p95: number } | null) =>
  p ? [p.p5, p.p25, p.p50, p.p75, p.p95] : [];

describe('timingTest against numpy', () => {
  const input = { close: CLOSE, position: POSITION, transactionCost: 0.002 };

  it('matches the numpy permutation of holding periods and flat gaps on the same draws', () => {
    const r = timingTest(input, { retimings: 300, seed: 5, method: 'permute' });
    expect(r.agentReturn).toBeCloseTo(-4.69259955027439, 10);
    expect(r.pValue).toBeCloseTo(0.9235880398671097, 14);
    five(r.retimedReturn).forEach((x, i) =>
      expect(x).toBeCloseTo([-5.426693310038725, -1.844017241000076, 2.4508341658994626, 6.238791306415664, 11.681834146105727][i], 10),
    );
  });

  it('matches the numpy circular shifts on the same draws', () => {
    const r = timingTest(input, { retimings: 300, seed: 5, method: 'shift' });
    expect(r.agentReturn).toBeCloseTo(-4.69259955027439, 10);
    expect(r.pValue).toBeCloseTo(0.8770764119601329, 14);
    five(r.retimedReturn).forEach((x, i) =>
      expect(x).toBeCloseTo([-8.995290164569091, -1.1459793547661357, 3.50554901016209, 8.879130773806644, 15.31555665040607][i], 10),
    );
  });
});

describe('timingTest', () => {
  it('splits the positions over the 60 bar intervals into holding periods and flat gaps', () => {
    const runs = positionRuns(POSITION, 60);
    expect(runs.held).toHaveLength(6);
    expect(runs.flat).toHaveLength(7);
    // The last position (bar 60) has no interval after it, so the final flat gap is 4 bars, not 5.
    expect(Array.from(runs.length)).toEqual([3, 5, 4, 6, 2, 8, 5, 3, 6, 4, 3, 7, 4]);
  });

  it('finds no edge in random positions on a geometric random walk', () => {
    const rng = createRng(2024);
    const n = 5000;
    const close = new Float64Array(n);
    const position = new Int8Array(n);
    close[0] = 100;
    let side = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0) close[k] = close[k - 1] * Math.exp(0.0002 + 0.01 * rng.normal());
      if (rng.next() < 0.05) side = side === 0 ? (rng.next() < 0.5 ? 1 : -1) : 0;
      position[k] = side;
    }
    for (const method of ['permute', 'shift'] as const) {
      const r = timingTest({ close, position, transactionCost: 0.001 }, { retimings: 1000, seed: 9, method });
      expect(r.pValue, method).toBeGreaterThan(0.05);
    }
  });

  it('finds the edge of positions that follow a noisy sine’s phase (p < 0.01)', () => {
    // The phase drifts at random around 2π/40 a bar, so cycles differ in length and no re-timing
    // lines up with them for long; long while the sine rises, flat while it falls.
    const rng = createRng(77);
    const n = 5000;
    const close = new Float64Array(n);
    const position = new Int8Array(n);
    let phase = 0;
    for (let k = 0; k < n; k++) {
      phase += (2 * Math.PI) / 40 + 0.1 * rng.normal();
      close[k] = 100 * Math.exp(0.05 * Math.sin(phase) + 0.01 * rng.normal());
      position[k] = Math.cos(phase) > 0 ? 1 : 0;
    }
    for (const method of ['permute', 'shift'] as const) {
      const r = timingTest({ close, position, transactionCost: 0.001 }, { retimings: 1000, seed: 9, method });
      expect(r.pValue, method).toBeLessThan(0.01);
    }
  });

  it('is null with a reason for too few trades or bars', () => {
    const flat = timingTest({ close: CLOSE, position: new Int8Array(61), transactionCost: 0.001 });
    expect(flat.pValue).toBeNull();
    expect(flat.reason).toMatch(/0 holding periods/);
    const short = timingTest({ close: CLOSE.subarray(0, 10), position: POSITION.subarray(0, 10), transactionCost: 0.001 });
    expect(short.pValue).toBeNull();
    expect(short.reason).toMatch(/10 bars/);
  });

  it('never gives a p-value of 0: the agent counts among its re-timings', () => {
    const r = timingTest({ close: CLOSE, position: POSITION, transactionCost: 0 }, { retimings: 99 });
    expect(r.pValue).toBeGreaterThanOrEqual(1 / 100);
  });
});
