import { describe, expect, it } from 'vitest';
import { SplitError } from '../features';
import { planFolds, type FoldPlan } from './foldPlan';

const ratios = { train: 0.6, validation: 0.2, test: 0.2 };

function ranges(plan: FoldPlan) {
  return plan.folds.map((f) => [f.train.start, f.train.end, f.validation.start, f.validation.end, f.test.start, f.test.end]);
}

/** Every layout rule of planFolds, checked fold by fold. */
function expectLayoutRules(plan: FoldPlan, rows: number): void {
  const { lookback: L, purge: P, embargo: E, warmup } = plan;
  plan.folds.forEach((fold, i) => {
    const { train, validation, test } = fold;
    expect(train.start).toBeGreaterThanOrEqual(warmup);
    expect(train.end - train.start).toBeGreaterThanOrEqual(L + 2);
    expect(validation.end - validation.start).toBeGreaterThanOrEqual(L + 2);
    expect(test.end - test.start).toBeGreaterThanOrEqual(L + 2);
    // Ranges hold their lookback context, so these gaps keep every observed bar out of training.
    expect(validation.start - train.end).toBeGreaterThanOrEqual(P);
    expect(test.start - validation.end).toBeGreaterThanOrEqual(P + (i > 0 ? E : 0));
    expect(P).toBeGreaterThanOrEqual(L);
    if (i > 0) {
      const previous = plan.folds[i - 1].test;
      // The first decision (start + L − 1) is E bars after the previous slice's last bar.
      expect(test.start + L - 1).toBe(previous.end - 1 + E);
      // Nothing this fold trains or selects on lies after the previous test slice.
      expect(validation.end).toBeLessThanOrEqual(previous.end);
      expect(train.end).toBeGreaterThan(plan.folds[i - 1].train.end);
    }
  });
  expect(plan.folds[plan.folds.length - 1].test.end).toBe(rows);
}

describe('planFolds', () => {
  it('cuts expanding folds at hand-computed bars with the purge after train and after validation', () => {
    // usable 180, minus 2 purges and one lookback = 165 bars at 0.6 : 0.2 : 3 × 0.2 → 70 train, 23 validation,
    // 23 test decisions a fold, the 3 left over to the last fold.
    const plan = planFolds(200, 20, 5, { folds: 3, window: 'expanding', ratios });
    expect(plan).toMatchObject({ purge: 5, embargo: 0, window: 'expanding' });
    expect(ranges(plan)).toEqual([
      [20, 90, 95, 118, 123, 151],
      [20, 113, 118, 141, 146, 174],
      [20, 136, 141, 164, 169, 200],
    ]);
    expectLayoutRules(plan, 200);
  });

  it('slides a fixed-length training window when rolling', () => {
    const plan = planFolds(200, 20, 5, { folds: 3, window: 'rolling', ratios });
    expect(plan.folds.map((f) => [f.train.start, f.train.end])).toEqual([
      [20, 90],
      [43, 113],
      [66, 136],
    ]);
    expectLayoutRules(plan, 200);
  });

  it('leaves the embargo bars after each test slice to no fold that follows it', () => {
    // 165 − 2 × 4 embargo bars = 157 → 67 train, 22 validation, 22 decisions (+2 to the last fold).
    const plan = planFolds(200, 20, 5, { folds: 3, ratios, embargo: 4 });
    expect(ranges(plan)).toEqual([
      [20, 87, 92, 114, 119, 146],
      [20, 109, 114, 136, 145, 172],
      [20, 135, 140, 162, 171, 200],
    ]);
    expectLayoutRules(plan, 200);
  });

  it('keeps every layout rule for other sizes, purges and embargoes', () => {
    for (const [rows, warmup, L, K, P, E, window] of [
      [1000, 55, 30, 4, 30, 0, 'expanding'],
      [1000, 55, 30, 4, 45, 7, 'rolling'],
      [5000, 60, 60, 10, 60, 20, 'expanding'],
      [333, 10, 3, 7, 9, 1, 'rolling'],
    ] as const) {
      expectLayoutRules(planFolds(rows, warmup, L, { folds: K, purge: P, embargo: E, window }), rows);
    }
  });

  it('refuses a purge shorter than the lookback', () => {
    expect(() => planFolds(1000, 20, 30, { purge: 29 })).toThrow(/purge of 29 bars is shorter than the lookback \(30\).*at least 30/);
  });

  it('refuses folds that do not fit and names the largest number that does', () => {
    let largest = 0;
    for (let k = 1; k <= 40; k++) {
      try {
        planFolds(200, 20, 5, { folds: k, ratios });
        largest = k;
      } catch (error) {
        if (!(error instanceof SplitError)) throw error;
        break;
      }
    }
    expect(largest).toBeGreaterThan(3);
    let error: unknown;
    try {
      planFolds(200, 20, 5, { folds: largest + 5, ratios });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SplitError);
    expect((error as SplitError).code).toBe('too-many-folds');
    expect((error as SplitError).largestFolds).toBe(largest);
    expect((error as SplitError).message).toContain(`Use at most ${largest} folds (the largest number that fits)`);
    // The suggested file size does fit.
    const rows = (error as SplitError).suggestedRows!;
    expect(planFolds(rows, 20, 5, { folds: largest + 5, ratios }).folds).toHaveLength(largest + 5);
    expect(() => planFolds(rows - 1, 20, 5, { folds: largest + 5, ratios })).toThrow(SplitError);
  });

  it('says when not even one fold fits', () => {
    expect(() => planFolds(40, 20, 5)).toThrow(/Not even one fold fits; use a file with at least \d+ bars/);
  });
});
