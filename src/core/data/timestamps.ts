/**
 * Timestamp cells. The format is detected once from a sample of cells (detectTimestampFormat), then
 * every row goes through parseTimestamp, a char-code scanner without regexes or Date string parsing.
 * Timestamps without a zone are UTC; "Z" and "+HH:MM" offsets are applied.
 */

/** Order of the date fields: year-month-day, day-month-year, month-day-year, or YYYYMMDD digits. */
export type DateOrder = 'ymd' | 'dmy' | 'mdy' | 'compact';

export type TimestampFormat = { kind: 'epoch'; msPerUnit: number; label: string } | { kind: 'calendar'; order: DateOrder; label: string };

export interface TimestampDetection {
  format: TimestampFormat;
  notes: string[];
}

// Side results of the last readClock call; module-level so the hot path allocates nothing.
let cursor = 0;
let clockSeconds = false;
let clockFractionDigits = 0;
let clockCompact = false;
let clockHourOnly = false;
let zoneKind: '' | 'Z' | 'offset' = '';

// Consecutive rows of intraday files share a date: remember the last one.
let cachedDateKey = -1;
let cachedDateMs = 0;

function dayStartMs(y: number, m: number, d: number): number {
  const key = (y * 100 + m) * 100 + d;
  if (key !== cachedDateKey) {
    cachedDateKey = key;
    cachedDateMs = Date.UTC(y, m - 1, d);
  }
  return cachedDateMs;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads a time of day starting at s[i]: "H:MM", "HH:MM:SS", "HH:MM:SS.ffffff", or compact digits
 * "HHMM"/"HHMMSS" when allowCompact; an optional " AM"/" PM" follows. Returns ms since midnight
 * (NaN when invalid) and leaves the index after it in `cursor`.
 */
function readClock(s: string, i: number, allowCompact: boolean): number {
  const n = s.length;
  clockSeconds = false;
  clockFractionDigits = 0;
  clockCompact = false;
  clockHourOnly = false;
  let h: number;
  let m = 0;
  let sec = 0;
  let frac = 0;
  let start = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const lead = i - start;
  if (lead === 0) return Number.NaN;
  if (i < n && s.charCodeAt(i) === 58 /* : */) {
    if (lead > 2) return Number.NaN;
    h = lead === 1 ? s.charCodeAt(start) - 48 : (s.charCodeAt(start) - 48) * 10 + s.charCodeAt(start + 1) - 48;
    const m1 = s.charCodeAt(i + 1) - 48;
    const m2 = s.charCodeAt(i + 2) - 48;
    if (!(m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9)) return Number.NaN;
    m = m1 * 10 + m2;
    i += 3;
    if (i < n && s.charCodeAt(i) === 58) {
      const s1 = s.charCodeAt(i + 1) - 48;
      const s2 = s.charCodeAt(i + 2) - 48;
      if (!(s1 >= 0 && s1 <= 9 && s2 >= 0 && s2 <= 9)) return Number.NaN;
      sec = s1 * 10 + s2;
      clockSeconds = true;
      i += 3;
      const c = i < n ? s.charCodeAt(i) : 0;
      if (c === 46 || c === 44 /* . , */) {
        i++;
        let scale = 100;
        start = i;
        while (i < n && isDigit(s.charCodeAt(i))) {
          frac += (s.charCodeAt(i) - 48) * scale;
          scale /= 10;
          i++;
        }
        clockFractionDigits = i - start;
        if (clockFractionDigits === 0) return Number.NaN;
      }
    }
  } else if (allowCompact && lead <= 6) {
    // "930" is 09:30 and "93000" is 09:30:00: exporters drop the leading zero of the hour.
    let v = 0;
    for (let k = start; k < i; k++) v = v * 10 + s.charCodeAt(k) - 48;
    if (lead <= 4) {
      h = (v / 100) | 0;
      m = v % 100;
    } else {
      h = (v / 10_000) | 0;
      m = ((v / 100) | 0) % 100;
      sec = v % 100;
      clockSeconds = true;
    }
    clockCompact = true;
  } else if (lead <= 2 && isHourAmPm(s, i)) {
    // CryptoDataDownload's hourly "09-AM": an hour and AM/PM, no minutes.
    h = lead === 1 ? s.charCodeAt(start) - 48 : (s.charCodeAt(start) - 48) * 10 + s.charCodeAt(start + 1) - 48;
    if (s.charCodeAt(i) === 45 /* - */) i++;
    clockHourOnly = true;
  } else {
    return Number.NaN;
  }
  // 12-hour clocks: "1:05 PM".
  let j = i;
  while (j < n && s.charCodeAt(j) === 32) j++;
  if (j + 1 < n && (s.charCodeAt(j + 1) | 32) === 109 /* m */) {
    const ap = s.charCodeAt(j) | 32;
    if (ap === 97 || ap === 112 /* a p */) {
      if (h < 1 || h > 12) return Number.NaN;
      if (ap === 97 && h === 12) h = 0;
      else if (ap === 112 && h !== 12) h += 12;
      i = j + 2;
    }
  }
  if (h > 24 || m > 59 || sec > 60 || (h === 24 && (m > 0 || sec > 0))) return Number.NaN;
  cursor = i;
  return ((h * 60 + m) * 60 + sec) * 1000 + frac;
}

/** True when s[i..] is "-AM", "-PM", " AM", "pm"…: the rest of an hour-only 12-hour time. */
function isHourAmPm(s: string, i: number): boolean {
  if (s.charCodeAt(i) === 45 /* - */) i++;
  while (s.charCodeAt(i) === 32) i++;
  const ap = s.charCodeAt(i) | 32;
  return (ap === 97 || ap === 112) && (s.charCodeAt(i + 1) | 32) === 109;
}

/** Milliseconds since midnight of a time-of-day cell ("09:30", "09:30:00.5", "093000"), NaN when invalid. */
export function parseClockCell(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  const ms = readClock(s, i, true);
  if (ms !== ms) return Number.NaN;
  i = cursor;
  while (i < n && s.charCodeAt(i) === 32) i++;
  return i === n ? ms : Number.NaN;
}

/** True for a time of day written with a colon ("09:01", "09:01:00"), the shape that tells a time column apart. */
export function looksLikeClock(s: string): boolean {
  return s.indexOf(':') > 0 && parseClockCell(s) === parseClockCell(s) && !clockCompact;
}

// Side result of readDate: whether the date carried a time part, for labels.
let dateHadTime = false;
let dateTimeSeparator = ' ';

/**
 * Epoch ms of a calendar cell in the given date order, with an optional time part after 'T' or spaces
 * and an optional zone ("Z", "+01:00", "-0500", "UTC"). NaN when invalid.
 */
export function parseCalendarCell(s: string, order: DateOrder): number {
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) === 32) i++;
  let y: number;
  let m: number;
  let d: number;
  if (order === 'compact') {
    if (i + 8 > n) return Number.NaN;
    let v = 0;
    for (let k = 0; k < 8; k++) {
      const c = s.charCodeAt(i + k) - 48;
      if (c < 0 || c > 9) return Number.NaN;
      v = v * 10 + c;
    }
    i += 8;
    y = (v / 10_000) | 0;
    m = ((v / 100) | 0) % 100;
    d = v % 100;
  } else {
    let a = 0;
    let b = 0;
    let c = 0;
    let start = i;
    while (i < n && isDigit(s.charCodeAt(i))) a = a * 10 + s.charCodeAt(i++) - 48;
    const la = i - start;
    if (la === 0 || i >= n) return Number.NaN;
    const sep = s.charCodeAt(i);
    if (sep !== 45 && sep !== 46 && sep !== 47) return Number.NaN; // - . /
    start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) b = b * 10 + s.charCodeAt(i++) - 48;
    if (i - start === 0 || i - start > 2 || i >= n || s.charCodeAt(i) !== sep) return Number.NaN;
    start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) c = c * 10 + s.charCodeAt(i++) - 48;
    const lc = i - start;
    if (lc === 0) return Number.NaN;
    if (order === 'ymd') {
      if (la !== 4 || lc > 2) return Number.NaN;
      y = a;
      m = b;
      d = c;
    } else {
      if (la > 2 || (lc !== 4 && lc !== 2)) return Number.NaN;
      y = lc === 2 ? (c < 70 ? 2000 + c : 1900 + c) : c;
      if (order === 'dmy') {
        d = a;
        m = b;
      } else {
        m = a;
        d = b;
      }
    }
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return Number.NaN;
  let t = dayStartMs(y, m, d);
  dateHadTime = false;
  if (i === n) return t;
  let c = s.charCodeAt(i);
  if (c === 84 /* T */ || c === 32 || c === 95 /* _ */) {
    dateTimeSeparator = c === 84 ? 'T' : ' ';
    i++;
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i === n) return t;
  } else if (order !== 'compact' || !isDigit(c)) {
    return Number.NaN;
  } else {
    dateTimeSeparator = '';
  }
  const clock = readClock(s, i, order === 'compact');
  if (clock !== clock) return Number.NaN;
  dateHadTime = true;
  t += clock;
  i = cursor;
  while (i < n && s.charCodeAt(i) === 32) i++;
  zoneKind = '';
  if (i < n) {
    c = s.charCodeAt(i);
    if (c === 90 || c === 122 /* Z z */) {
      zoneKind = 'Z';
      i++;
    } else if (c === 43 || c === 45 /* + - */) {
      const sign = c === 43 ? 1 : -1;
      let digits = 0;
      let value = 0;
      i++;
      while (i < n && digits < 4) {
        const k = s.charCodeAt(i);
        if (isDigit(k)) {
          value = value * 10 + k - 48;
          digits++;
        } else if (k !== 58 /* : */ || digits !== 2) {
          break;
        }
        i++;
      }
      if (digits !== 2 && digits !== 4) return Number.NaN;
      const minutes = digits === 2 ? value * 60 : ((value / 100) | 0) * 60 + (value % 100);
      t -= sign * minutes * 60_000;
      zoneKind = 'offset';
    } else if (i + 3 <= n && (s.startsWith('UTC', i) || s.startsWith('GMT', i))) {
      zoneKind = 'Z';
      i += 3;
    }
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i !== n) return Number.NaN;
  }
  return t;
}

/** Epoch ms of one row: cell holds the timestamp or the date; clockCell the time of day when separate. */
export function parseTimestamp(format: TimestampFormat, cell: string, clockCell?: string): number {
  let t: number;
  if (format.kind === 'epoch') {
    const v = +cell;
    if (v === 0 && cell.trim() === '') return Number.NaN; // Number('') and Number('  ') are 0
    t = v * format.msPerUnit;
    if (!(t - t === 0)) return Number.NaN;
    // Sub-millisecond units: keep whole milliseconds.
    if (format.msPerUnit < 1) t = Math.floor(t);
  } else {
    t = parseCalendarCell(cell, format.order);
  }
  if (clockCell !== undefined && t === t) {
    const clock = parseClockCell(clockCell);
    t = clock === clock ? t + clock : Number.NaN;
  }
  return t;
}

const EPOCH_UNITS: { below: number; msPerUnit: number; label: string }[] = [
  { below: 1e11, msPerUnit: 1000, label: 'epoch seconds' },
  { below: 1e14, msPerUnit: 1, label: 'epoch milliseconds' },
  { below: 1e17, msPerUnit: 1e-3, label: 'epoch microseconds' },
  { below: 1e20, msPerUnit: 1e-6, label: 'epoch nanoseconds' },
];

function isPlainNumber(s: string): boolean {
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === 46) dots++;
    else return false;
  }
  return digits > 0 && dots <= 1;
}

/** Share of cells (with their time-of-day cells) that the date order reads. */
function score(cells: string[], order: DateOrder, clocks: string[] | null): number {
  let ok = 0;
  for (let k = 0; k < cells.length; k++) {
    const t = parseTimestamp({ kind: 'calendar', order, label: '' }, cells[k], clocks ? clocks[k] : undefined);
    if (t === t) ok++;
  }
  return cells.length === 0 ? 0 : ok / cells.length;
}

function calendarLabel(order: DateOrder, sep: string, sample: string, clockSample: string | null): string {
  const datePart =
    order === 'compact'
      ? 'YYYYMMDD'
      : order === 'ymd'
        ? ['YYYY', 'MM', 'DD'].join(sep)
        : order === 'dmy'
          ? ['DD', 'MM', 'YYYY'].join(sep)
          : ['MM', 'DD', 'YYYY'].join(sep);
  if (clockSample !== null) {
    parseClockCell(clockSample);
    return `${datePart} + ${clockPattern()} (separate date and time columns)`;
  }
  parseCalendarCell(sample, order);
  if (!dateHadTime) return order === 'ymd' && sep === '-' ? 'ISO date' : datePart;
  const zone = zoneKind === 'Z' ? 'Z' : zoneKind === 'offset' ? '±HH:MM' : '';
  const pattern = `${datePart}${dateTimeSeparator}${clockPattern()}${zone}`;
  return order === 'ymd' && sep === '-' ? `ISO datetime ${pattern}` : pattern;
}

function clockPattern(): string {
  if (clockHourOnly) return 'hh-AM/PM';
  if (clockCompact) return clockSeconds ? 'HHMMSS' : 'HHMM';
  let p = clockSeconds ? 'HH:MM:SS' : 'HH:MM';
  if (clockFractionDigits > 0) p += '.' + 'f'.repeat(clockFractionDigits);
  return p;
}

/** Share of cells a detection must read for the format to be accepted. */
const MIN_SHARE = 0.9;

/**
 * The format of a sample of timestamp cells (and of time-of-day cells when the time is in its own
 * column), or null when none fits. Day/month order is decided from values above 12.
 */
export function detectTimestampFormat(cells: string[], clocks: string[] | null): TimestampDetection | null {
  const pairs: number[] = [];
  for (let k = 0; k < cells.length; k++) {
    if (cells[k].trim() !== '' && (!clocks || clocks[k].trim() !== '')) pairs.push(k);
  }
  if (pairs.length === 0) return null;
  const sample = pairs.map((k) => cells[k].trim());
  const clockSample = clocks ? pairs.map((k) => clocks[k].trim()) : null;
  const first = sample[0];
  const notes: string[] = [];

  if (sample.every(isPlainNumber)) {
    if (score(sample, 'compact', clockSample) >= MIN_SHARE && sample.every((s) => s.length === 8 || s.length === 12 || s.length === 14)) {
      const label = calendarLabel('compact', '', first, clockSample ? clockSample[0] : null);
      return { format: { kind: 'calendar', order: 'compact', label }, notes };
    }
    if (clockSample) return null;
    const values = sample.map(Number).sort((a, b) => a - b);
    const median = values[values.length >> 1];
    if (median < 1e8) return null; // row numbers or prices, not time
    const unit = EPOCH_UNITS.find((u) => median < u.below);
    if (!unit) return null;
    return { format: { kind: 'epoch', msPerUnit: unit.msPerUnit, label: unit.label }, notes };
  }

  let lead = 0;
  while (lead < first.length && isDigit(first.charCodeAt(lead))) lead++;
  const sep = first[lead] ?? '';
  let order: DateOrder;
  if (lead === 8) {
    order = 'compact';
  } else if (lead === 4) {
    order = 'ymd';
  } else if (lead >= 1 && lead <= 2 && (sep === '/' || sep === '.' || sep === '-')) {
    let firstAbove12 = false;
    let secondAbove12 = false;
    for (const s of sample) {
      const parts = s.split(sep);
      if (parts.length < 3) continue;
      if (Number(parts[0]) > 12) firstAbove12 = true;
      if (Number(parts[1]) > 12) secondAbove12 = true;
    }
    if (firstAbove12 && !secondAbove12) order = 'dmy';
    else if (secondAbove12 && !firstAbove12) order = 'mdy';
    else if (sep === '/') {
      order = 'mdy';
      notes.push(`Dates like "${first}" could be month-first or day-first (no day above 12 in the sample); read as month/day/year.`);
    } else {
      order = 'dmy';
      notes.push(
        `Dates like "${first}" could be month-first or day-first (no day above 12 in the sample); read as day${sep}month${sep}year.`,
      );
    }
  } else {
    return null;
  }
  if (score(sample, order, clockSample) < MIN_SHARE) return null;
  const label = calendarLabel(order, sep, first, clockSample ? clockSample[0] : null);
  return { format: { kind: 'calendar', order, label }, notes };
}

/** True when the value looks like a date or a timestamp (used to tell header rows from data rows). */
export function looksLikeTimestamp(cell: string): boolean {
  const s = cell.trim();
  for (const order of ['ymd', 'dmy', 'mdy'] as const) {
    const t = parseCalendarCell(s, order);
    if (t === t) return true;
  }
  return false;
}
