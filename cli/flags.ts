import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../src/core/errors';

export type Flags = Record<string, string | boolean | string[] | undefined>;

/** Parses a command's flags strictly; every problem becomes one line that names the flag. */
export function parseFlags(args: string[], options: NonNullable<ParseArgsConfig['options']>): Flags {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Flags;
  } catch (error) {
    const message = (error as Error).message;
    // Node's own text spans three lines; a value starting with a dash ("-5") lands here.
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) throw new UsageError(`${ambiguous[1]} needs a value; to give one that starts with "-", write ${ambiguous[1]}=VALUE.`);
    throw new UsageError(`${message.split('\n')[0]}. See --help.`);
  }
}

const DECIMAL_DIGITS = /^\d+$/;
// Plain decimal notation with an optional exponent ("3e-4"); no hex, no "Infinity", no blanks.
const DECIMAL_NUMBER = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A whole number written in decimal digits (so "0x10", "1e1", "3.5" and "-5" are refused). */
export function integerFlag(value: unknown, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const n = DECIMAL_DIGITS.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number ≥ ${min} in decimal digits, got "${text}".`);
  return n;
}

/** A positive decimal number such as 0.5, 30 or 3e-4. */
export function positiveNumberFlag(value: unknown, flag: string): number {
  const text = String(value);
  const n = DECIMAL_NUMBER.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive decimal number, got "${text}".`);
  return n;
}

/** A decimal number that may be negative, such as -0.3 (written --flag=-0.3, since a leading dash reads as a flag). */
export function signedNumberFlag(value: unknown, flag: string): number {
  const text = String(value);
  const n = DECIMAL_NUMBER.test(text.replace(/^-/, '')) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a decimal number such as 0.3 or -0.3, got "${text}".`);
  return n;
}
