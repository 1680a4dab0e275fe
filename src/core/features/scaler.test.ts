import { describe, expect, it } from 'vitest';
import type { Bars } from '../data/bars';
import { generateSampleBars } from '../data/sampleData';
import { FeatureError } from './errors';
import { computeFeatures, defaultFeatureNames, type FeatureMatrix } from './featureSet';
import { applyScaler, fitScaler, scalerFromJson, type Scaler } from './scaler';
import { chronologicalSplit } from './splits';

/** Two features; row 0 is warm-up, rows 1–3 training, row 4 a wild validation row. */
function matrix(last: [number, number] = [100, -50]): FeatureMatrix {
  return {
    names: ['ret1', 'hlRange'],
    rows: 5,
    cols: 2,
    values: Float32Array.from([NaN, NaN, 1, 10, 2, 10, 3, 10, ...last]),
    warmup: 1,
  };
}

describe('fitScaler', () => {
  it('uses only rows inside the range and after warm-up: mean and population std by hand', () => {
    const s = fitScaler(matrix(), { start: 0, end: 4 });
    // ret1 rows 1–3: 1, 2, 3 → mean 2, std √(2/3); hlRange: 10, 10, 10 → mean 10, std 0 → 1
    expect(s.version).toBe(1);
    expect(s.names).toEqual(['ret1', 'hlRange']);
    expect(s.mean[0]).toBeCloseTo(2, 12);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(s.mean[1]).toBe(10);
    expect(s.std[1]).toBe(1);
    expect(s.clip).toBe(5);
  });

  it('ignores rows outside the range: changing them leaves the scaler identical', () => {
    expect(fitScaler(matrix([-7, 3]), { start: 0, end: 4 })).toEqual(fitScaler(matrix(), { start: 0, end: 4 }));
  });

  it('fitted on the training split is unchanged when validation and test bars change', () => {
    const bars = generateSampleBars({ bars: 600, seed: 3 });
    const names = defaultFeatureNames({ hasVolume: true, intervalMs: 86_400_000 });
    const m = computeFeatures(bars, names);
    const { train } = chronologicalSplit(m.rows, m.warmup, 30);
    const changed: Bars = { ...bars, close: bars.close.slice(), high: bars.high.slice() };
    for (let t = train.end; t < m.rows; t++) {
      changed.close[t] *= 1.5;
      changed.high[t] = Math.max(changed.high[t], changed.close[t]);
    }
    const m2 = computeFeatures(changed, names);
    expect(fitScaler(m2, train)).toEqual(fitScaler(m, train));
    expect(fitScaler(m2, { start: train.end, end: m.rows })).not.toEqual(fitScaler(m, { start: train.end, end: m.rows }));
  });

  it('throws a FeatureError when the range has no rows after warm-up', () => {
    expect(() => fitScaler(matrix(), { start: 0, end: 1 })).toThrow(FeatureError);
    expect(() => fitScaler(matrix(), { start: 0, end: 1 })).toThrow(/warm-up row 1/);
  });
});

describe('applyScaler', () => {
  const m = matrix();
  const s = fitScaler(m, { start: 0, end: 4 });

  it('returns a new z-scored array and leaves the matrix alone', () => {
    const out = applyScaler(m, s);
    expect(out).not.toBe(m.values);
    expect(out.length).toBe(10);
    // row 1: (1 − 2)/√(2/3) = −√1.5; (10 − 10)/1 = 0; row 3: +√1.5
    expect(out[2]).toBeCloseTo(-Math.sqrt(1.5), 6);
    expect(out[3]).toBe(0);
    expect(out[4]).toBe(0);
    expect(out[6]).toBeCloseTo(Math.sqrt(1.5), 6);
    expect(m.values[2]).toBe(1);
  });

  it('clips to ±clip and maps NaN (warm-up) to 0', () => {
    const out = applyScaler(m, s);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    // row 4: (100 − 2)/0.816 ≈ 120 → 5; (−50 − 10)/1 = −60 → −5
    expect(out[8]).toBe(5);
    expect(out[9]).toBe(-5);
    const tight = applyScaler(m, { ...s, clip: 1 });
    expect(tight[2]).toBe(-1);
    expect(tight[8]).toBe(1);
  });

  it('rejects a scaler fitted on other features', () => {
    const other: Scaler = { ...s, names: ['hlRange', 'ret1'] };
    expect(() => applyScaler(m, other)).toThrow(/fitted on features \[hlRange, ret1\] but the data has \[ret1, hlRange\]/);
  });
});

describe('scalerFromJson', () => {
  const s = fitScaler(matrix(), { start: 0, end: 4 });

  it('round-trips a scaler through JSON', () => {
    expect(scalerFromJson(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it.each([
    ['not an object', 'scaler', null, /expected an object/],
    ['wrong version', 'version', { ...s, version: 2 }, /version must be 1/],
    ['unknown feature', 'names[1]', { ...s, names: ['ret1', 'rsi'] }, /names\[1\] is "rsi", not one of ret1/],
    ['duplicate feature', 'names', { ...s, names: ['ret1', 'ret1'] }, /twice/],
    ['length mismatch', 'std', { ...s, std: [1] }, /std has 1 entries but names has 2/],
    ['NaN written as null', 'mean[0]', { ...s, mean: [null, 10] }, /mean\[0\] is null, not a finite number/],
    ['zero std', 'std[1]', { ...s, std: [1, 0] }, /std must be positive/],
    ['missing clip', 'clip', { ...s, clip: undefined }, /clip must be a positive number/],
  ])('rejects %s, naming field %s', (_, field, json, message) => {
    expect(() => scalerFromJson(json)).toThrow(message);
    try {
      scalerFromJson(json);
    } catch (error) {
      expect(error).toBeInstanceOf(FeatureError);
      expect((error as FeatureError).code).toBe('invalid-scaler');
      expect((error as FeatureError).field).toBe(field);
    }
  });
});
