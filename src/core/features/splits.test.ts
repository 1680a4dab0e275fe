import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { SplitError } from './errors';
import { chronologicalSplit, type BarRange, type SplitRatios } from './splits';

function thrown(call: () => unknown): SplitError {
  try {
    call();
  } catch (error) {
    if (error instanceof SplitError) return error;
    throw error;
  }
  throw new Error('expected a SplitError');
}

describe('chronologicalSplit', () => {
  it('cuts the bars after warm-up 70/15/15 in time order', () => {
    expect(chronologicalSplit(1049, 49, 60)).toEqual({
      train: { start: 49, end: 749 },
      validation: { start: 749, end: 899 },
      test: { start: 899, end: 1049 },
    });
  });

  it('rounds boundaries to whole bars', () => {
    // 101 usable bars: 70.7 → 71, 85.85 → 86
    expect(chronologicalSplit(101, 0, 5)).toEqual({
      train: { start: 0, end: 71 },
      validation: { start: 71, end: 86 },
      test: { start: 86, end: 101 },
    });
  });

  it('leaves a split with ratio 0 empty at its boundary', () => {
    expect(chronologicalSplit(200, 0, 10, { train: 0.8, validation: 0, test: 0.2 })).toEqual({
      train: { start: 0, end: 160 },
      validation: { start: 160, end: 160 },
      test: { start: 160, end: 200 },
    });
    expect(chronologicalSplit(200, 20, 10, { train: 1, validation: 0, test: 0 })).toEqual({
      train: { start: 20, end: 200 },
      validation: { start: 200, end: 200 },
      test: { start: 200, end: 200 },
    });
  });

  it('excludes warm-up, covers the rest without gaps, and no decision window crosses a boundary', () => {
    const rng = createRng(11);
    let checked = 0;
    for (let k = 0; k < 400; k++) {
      const rows = rng.int(1, 3000);
      const warmup = rng.int(0, 80);
      const lookback = rng.int(1, 120);
      const minDecisions = rng.int(1, 5);
      const a = rng.next() + 0.05;
      const b = rng.next() < 0.2 ? 0 : rng.next();
      const c = rng.next() < 0.2 ? 0 : rng.next();
      const ratios: SplitRatios = { train: a / (a + b + c), validation: b / (a + b + c), test: c / (a + b + c) };
      let s;
      try {
        s = chronologicalSplit(rows, warmup, lookback, ratios, minDecisions);
      } catch (error) {
        expect(error).toBeInstanceOf(SplitError);
        continue;
      }
      checked++;
      expect(s.train.start).toBe(warmup);
      expect(s.validation.start).toBe(s.train.end);
      expect(s.test.start).toBe(s.validation.end);
      expect(s.test.end).toBe(rows);
      const ranges: [BarRange, number][] = [
        [s.train, ratios.train],
        [s.validation, ratios.validation],
        [s.test, ratios.test],
      ];
      for (const [r, ratio] of ranges) {
        expect(Number.isInteger(r.start) && Number.isInteger(r.end)).toBe(true);
        if (ratio === 0) continue;
        // Decisions t = start + lookback − 1 … end − 2 observe t − lookback + 1 … t and are rewarded at t + 1.
        const first = r.start + lookback - 1;
        const last = r.end - 2;
        expect(last - first + 1).toBeGreaterThanOrEqual(minDecisions);
        expect(first - lookback + 1).toBeGreaterThanOrEqual(r.start);
        expect(last + 1).toBeLessThan(r.end);
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('explains monthly data too short for a 60-bar lookback: which split, its bars, what it needs, what fits', () => {
    // 156 monthly bars, 49 warm-up → 107 usable: train 75, validation 16, test 16.
    const error = thrown(() => chronologicalSplit(156, 49, 60));
    expect(error.code).toBe('split-too-short');
    expect(error.split).toBe('validation');
    expect(error.bars).toBe(16);
    expect(error.needed).toBe(62);
    expect(error.suggestedLookback).toBe(14);
    expect(error.message).toMatch(/^The validation split has 16 bars but needs at least 62 \(lookback 60 \+ 2 decisions\)\./);
    expect(error.message).toMatch(/Use a lookback of at most 14, or a file with at least \d+ bars \(this one has 156/);
    expect(error.name).toBe('SplitError');
    // Both remedies work, and the suggested file size is the smallest that does.
    expect(() => chronologicalSplit(156, 49, 14)).not.toThrow();
    expect(() => chronologicalSplit(156, 49, 15)).toThrow(SplitError);
    expect(() => chronologicalSplit(error.suggestedRows!, 49, 60)).not.toThrow();
    expect(() => chronologicalSplit(error.suggestedRows! - 1, 49, 60)).toThrow(SplitError);
  });

  it('names the training split when it is the one too short', () => {
    const error = thrown(() => chronologicalSplit(300, 0, 40, { train: 0.1, validation: 0.45, test: 0.45 }));
    expect(error.split).toBe('train');
    expect(error.message).toMatch(/The train split has 30 bars but needs at least 42/);
  });

  it('suggests only a larger file when no lookback fits', () => {
    const error = thrown(() => chronologicalSplit(55, 49, 10));
    expect(error.suggestedLookback).toBeUndefined();
    expect(error.message).toMatch(/Use a file with at least \d+ bars/);
  });

  it('rejects data that is all warm-up', () => {
    const error = thrown(() => chronologicalSplit(40, 49, 10));
    expect(error.code).toBe('no-usable-bars');
    expect(error.message).toMatch(/40 bars, all inside the 49-bar indicator warm-up/);
  });

  it.each([
    [{ train: 0.7, validation: -0.1, test: 0.4 }, /validation share -0.1/],
    [{ train: 0, validation: 0.5, test: 0.5 }, /training share must be greater than 0/],
    [{ train: 0.7, validation: 0.1, test: 0.1 }, /sum to 0.9/],
    [{ train: Number.NaN, validation: 0.5, test: 0.5 }, /train share NaN/],
  ])('rejects invalid ratios %o', (ratios, message) => {
    const error = thrown(() => chronologicalSplit(1000, 0, 10, ratios));
    expect(error.code).toBe('invalid-ratios');
    expect(error.message).toMatch(message);
  });

  it('rejects a lookback that is not a positive whole number', () => {
    expect(thrown(() => chronologicalSplit(1000, 0, 0)).message).toMatch(/lookback must be a whole number ≥ 1, got 0/);
    expect(thrown(() => chronologicalSplit(1000, 0, 2.5)).code).toBe('invalid-arguments');
  });
});
