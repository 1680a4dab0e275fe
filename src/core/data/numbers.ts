/**
 * Number cells. The common case (plain or scientific notation with a '.' decimal point) goes through
 * the engine's own number conversion; only cells that fail it are cleaned char by char.
 */

/** Result of parseNumberCell for an empty or whitespace-only cell. */
export const MISSING = Number.NEGATIVE_INFINITY;

/**
 * The value of a number cell, NaN when it is not a number, MISSING (-Infinity) when it is empty.
 * decimalComma: ',' is the decimal separator and '.' or spaces group thousands ("1.234,56").
 * Otherwise ',' and spaces group thousands ("1,234.56").
 */
export function parseNumberCell(cell: string, decimalComma: boolean): number {
  const n = cell.length;
  if (n === 0) return MISSING;
  if (!decimalComma) {
    // Number() trims spaces and reads '1e-3'; guard its other extensions: '' and '  ' → 0, '0x1f' → 31.
    const second = n > 1 ? cell.charCodeAt(1) | 32 : 0;
    if (second !== 120 && second !== 98 && second !== 111 /* x b o */) {
      const value = +cell;
      if (value - value === 0 && (value !== 0 || !isBlank(cell))) return value;
    }
  }
  return parseSlow(cell, decimalComma);
}

function parseSlow(cell: string, decimalComma: boolean): number {
  let out = '';
  let digits = 0;
  let significant = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      out += cell[i];
      digits++;
      significant++;
    } else if (c === 32 || c === 9 || c === 160 || c === 0x202f || c === 39 /* ' as in 1'234 */) {
      // Spaces are thousands groups inside a number and padding around it.
      continue;
    } else if (c === 44 /* , */) {
      if (decimalComma) out += '.';
      else if (digits === 0) return Number.NaN;
      significant++;
    } else if (c === 46 /* . */) {
      if (!decimalComma) out += '.';
      significant++;
    } else if (c === 45 || c === 43 || c === 101 || c === 69 /* - + e E */) {
      out += cell[i];
      significant++;
    } else {
      return Number.NaN;
    }
  }
  if (significant === 0) return MISSING;
  if (digits === 0) return Number.NaN;
  // Number('0x..') cannot occur here: 'x' is rejected above.
  const value = Number(out);
  return Number.isFinite(value) ? value : Number.NaN;
}

function isBlank(cell: string): boolean {
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 160) return false;
  }
  return true;
}

/** True when the cell is empty or whitespace only. */
export function isBlankCell(cell: string | undefined): boolean {
  return cell === undefined || isBlank(cell);
}

/**
 * True when the cell reads as a number with ',' as decimal separator and cannot be read with '.':
 * "1234,56", "1.234,56", "0,5".
 */
export function looksDecimalComma(cell: string): boolean {
  const comma = cell.lastIndexOf(',');
  if (comma <= 0 || comma === cell.length - 1) return false;
  const dot = cell.lastIndexOf('.');
  if (dot > comma) return false;
  const after = cell.length - comma - 1;
  // "1,234" with a dot-free three-digit tail is ambiguous (thousands group); count it as decimal only
  // when a dot groups thousands before it.
  if (after === 3 && dot < 0) return false;
  return Number.isFinite(parseSlow(cell, true));
}

/**
 * A volume cell: a number as parseNumberCell reads it, or with a K/M/B suffix as Investing.com writes
 * volumes ("564.84K", "1.73M", "3.17B"). "-" (no volume that day) is MISSING like an empty cell.
 */
export function parseVolumeCell(cell: string, decimalComma: boolean): number {
  const value = parseNumberCell(cell, decimalComma);
  if (value === value) return value;
  const s = cell.trim();
  if (s === '-') return MISSING;
  const exponent = SUFFIX_EXPONENT[s.charCodeAt(s.length - 1) | 32];
  if (exponent === undefined || s.length < 2) return Number.NaN;
  const mantissa = parseNumberCell(s.slice(0, -1), decimalComma);
  // Through the decimal string, so "1.73M" is 1730000 and not 1729999.9999999998.
  if (mantissa === MISSING || mantissa !== mantissa) return Number.NaN;
  const digits = String(mantissa);
  return digits.includes('e') ? mantissa * 10 ** exponent : Number(`${digits}e${exponent}`);
}

const SUFFIX_EXPONENT: Record<number, number> = { 107: 3, 109: 6, 98: 9 }; // k m b
