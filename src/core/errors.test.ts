import { describe, expect, it } from 'vitest';
import { toUserError } from './errors';
import { ImportError } from './data/errors';
import { SplitError } from './features/errors';
import { ConfigError } from './env/config';

describe('toUserError', () => {
  it('keeps the code, hint and location of an import error as plain data', () => {
    const e = new ImportError('ragged-rows', 'Row 7 has 3 fields but the header has 6.', {
      hint: 'Fix the row.',
      fileName: 'a.csv',
      row: 7,
      column: 'close',
    });
    const u = toUserError(e);
    expect(u).toEqual({
      kind: 'ImportError',
      code: 'ragged-rows',
      message: 'Row 7 has 3 fields but the header has 6. Fix the row.',
      hint: 'Fix the row.',
      fileName: 'a.csv',
      row: 7,
      column: 'close',
    });
    expect(structuredClone(u)).toEqual(u);
  });

  it('names the field of a config error and the split error code', () => {
    expect(toUserError(new ConfigError('lookback must be ≥ 1', 'env.lookback'))).toMatchObject({
      kind: 'ConfigError',
      field: 'env.lookback',
    });
    expect(toUserError(new SplitError('split-too-short', 'Too short.', { hint: 'Use lookback 20.' }))).toMatchObject({
      code: 'split-too-short',
      hint: 'Use lookback 20.',
    });
  });

  it('returns null for bugs so they are not dressed up as input errors', () => {
    expect(toUserError(new TypeError('x is undefined'))).toBeNull();
    expect(toUserError('boom')).toBeNull();
  });
});
