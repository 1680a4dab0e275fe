import { describe, expect, it } from 'vitest';
import { integerFlag, parseFlags, positiveNumberFlag } from './flags';

describe('integerFlag', () => {
  it('takes decimal digits and the fallback when absent', () => {
    expect(integerFlag('128', '--steps', 1, 1)).toBe(128);
    expect(integerFlag('007', '--steps', 1, 1)).toBe(7);
    expect(integerFlag(undefined, '--steps', 5, 1)).toBe(5);
    expect(integerFlag('0', '--checkpoint-every', 10, 0)).toBe(0);
  });

  it.each(['0x10', '1e1', '3.5', '-5', '+5', '1_000', '9007199254740993', 'ten'])('refuses "%s" naming the flag', (value) => {
    expect(() => integerFlag(value, '--steps', 1, 1)).toThrow(`--steps must be a whole number ≥ 1 in decimal digits, got "${value}".`);
  });
});

describe('positiveNumberFlag', () => {
  it('takes plain decimals and exponents', () => {
    expect(positiveNumberFlag('3e-4', '--learning-rate')).toBe(3e-4);
    expect(positiveNumberFlag('0.5', '--minutes')).toBe(0.5);
    expect(positiveNumberFlag('.25', '--minutes')).toBe(0.25);
    expect(positiveNumberFlag('30', '--minutes')).toBe(30);
  });

  it.each(['0x1', '0', '-1', 'Infinity', '1e999', '', ' 1', '1,5'])('refuses "%s"', (value) => {
    expect(() => positiveNumberFlag(value, '--minutes')).toThrow(/^--minutes must be a positive decimal number/);
  });
});

describe('parseFlags', () => {
  it("keeps Node's messages to one line", () => {
    expect(() => parseFlags(['--steps'], { steps: { type: 'string' } })).toThrow(
      /^Option '--steps <value>' argument missing\. See --help\.$/,
    );
    expect(() => parseFlags(['--bogus'], { steps: { type: 'string' } })).toThrow(/^[^\n]*bogus[^\n]*$/);
  });
});
