/**
 * Columnar storage of accepted rows while parsing, then time order, duplicates, interval and gaps.
 */
import type { Bars } from './bars';
import type { DropTally } from './cleaning';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Growable typed columns, one slot per accepted row. */
export class BarColumns {
  length = 0;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array | null;
  /** 1-based file line of each row, for messages about duplicates. */
  line: Uint32Array;

  constructor(capacity: number, withVolume: boolean) {
    const c = Math.max(16, Math.ceil(capacity));
    this.time = new Float64Array(c);
    this.open = new Float64Array(c);
    this.high = new Float64Array(c);
    this.low = new Float64Array(c);
    this.close = new Float64Array(c);
    this.volume = withVolume ? new Float64Array(c) : null;
    this.line = new Uint32Array(c);
  }

  push(time: number, open: number, high: number, low: number, close: number, volume: number, line: number): void {
    const i = this.length;
    if (i === this.time.length) this.grow();
    this.time[i] = time;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    if (this.volume) this.volume[i] = volume;
    this.line[i] = line;
    this.length = i + 1;
  }

  get capacity(): number {
    return this.time.length;
  }

  private grow(): void {
    // Capacity is sized from the file up front; growing by half (not double) bounds the overshoot when that estimate was short.
    const c = Math.ceil(this.time.length * 1.5);
    const bigger = <T extends Float64Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(c);
      b.set(a);
      return b;
    };
    this.time = bigger(this.time);
    this.open = bigger(this.open);
    this.high = bigger(this.high);
    this.low = bigger(this.low);
    this.close = bigger(this.close);
    if (this.volume) this.volume = bigger(this.volume);
    this.line = bigger(this.line);
  }

  private columns(): (Float64Array | Uint32Array)[] {
    const all: (Float64Array | Uint32Array)[] = [this.time, this.open, this.high, this.low, this.close, this.line];
    if (this.volume) all.push(this.volume);
    return all;
  }

  reverse(): void {
    for (const a of this.columns()) a.subarray(0, this.length).reverse();
  }

  /** Stable sort by time; equal times keep file order. */
  sortByTime(): void {
    const n = this.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const time = this.time;
    const line = this.line;
    order.sort((a, b) => time[a] - time[b] || line[a] - line[b]);
    for (const a of this.columns()) {
      const copy = a.slice(0, n);
      for (let i = 0; i < n; i++) a[i] = copy[order[i]];
    }
  }

  /** Drops rows repeating the previous row's time, keeping the one that came first in the file. */
  dropDuplicates(drops: DropTally): void {
    const { time, line } = this;
    const cols = this.columns();
    let w = 0;
    for (let i = 0; i < this.length; i++) {
      if (w > 0 && time[i] === time[w - 1]) {
        if (line[i] < line[w - 1]) {
          drops.add('duplicate-timestamp', line[w - 1]);
          for (const a of cols) a[w - 1] = a[i];
        } else {
          drops.add('duplicate-timestamp', line[i]);
        }
        continue;
      }
      if (w !== i) for (const a of cols) a[w] = a[i];
      w++;
    }
    this.length = w;
  }

  /** Drops the rows whose volume is NaN (unreadable), tallying them as 'bad-volume'. */
  dropBadVolume(drops: DropTally, firstExample: string): void {
    const volume = this.volume;
    if (!volume) return;
    const cols = this.columns();
    let w = 0;
    for (let i = 0; i < this.length; i++) {
      if (volume[i] !== volume[i]) {
        drops.add('bad-volume', this.line[i], firstExample);
        continue;
      }
      if (w !== i) for (const a of cols) a[w] = a[i];
      w++;
    }
    this.length = w;
  }

  /** Forgets the volume column (it could not be read). */
  dropVolume(): void {
    this.volume = null;
  }

  /**
   * The bars; volume only when asked. Nearly full columns are handed over as views, so a large import
   * does not need a second copy of every column at its peak; sparse ones are copied to their length.
   */
  toBars(withVolume: boolean): Bars {
    const n = this.length;
    const take = n >= 0.875 * this.capacity ? (a: Float64Array) => a.subarray(0, n) : (a: Float64Array) => a.slice(0, n);
    return {
      time: take(this.time),
      open: take(this.open),
      high: take(this.high),
      low: take(this.low),
      close: take(this.close),
      volume: withVolume && this.volume ? take(this.volume) : null,
    };
  }
}

/** Counts of rising and falling steps between consecutive rows. */
export function orderSteps(time: Float64Array, n: number): { rising: number; falling: number } {
  let rising = 0;
  let falling = 0;
  for (let i = 1; i < n; i++) {
    if (time[i] > time[i - 1]) rising++;
    else if (time[i] < time[i - 1]) falling++;
  }
  return { rising, falling };
}

/** Median spacing of consecutive bars (an actual spacing, not an average of two). */
export function medianSpacing(time: Float64Array): number {
  const n = time.length;
  if (n < 2) return 0;
  const diffs = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) diffs[i - 1] = time[i] - time[i - 1];
  diffs.sort();
  return diffs[(n - 1) >> 1];
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "1 minute", "5 minutes", "1 hour", "1 day", "1 week", "1 month"; month-end bars vary 28–31 days. */
export function describeInterval(ms: number): string {
  if (!(ms > 0)) return 'unknown';
  if (ms >= 27 * DAY_MS && ms <= 32 * DAY_MS) return '1 month';
  if (ms >= 88 * DAY_MS && ms <= 93 * DAY_MS) return '3 months';
  if (ms >= 364 * DAY_MS && ms <= 367 * DAY_MS) return '1 year';
  if (ms % (7 * DAY_MS) === 0) return plural(ms / (7 * DAY_MS), 'week');
  if (ms % DAY_MS === 0) return plural(ms / DAY_MS, 'day');
  if (ms % HOUR_MS === 0) return plural(ms / HOUR_MS, 'hour');
  if (ms % MINUTE_MS === 0) return plural(ms / MINUTE_MS, 'minute');
  if (ms % 1000 === 0) return plural(ms / 1000, 'second');
  return plural(ms, 'millisecond');
}

function isWeekend(t: number): boolean {
  const weekday = new Date(t).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** Share of bars on Saturday or Sunday (UTC). */
function weekendShare(time: Float64Array): number {
  let weekend = 0;
  for (let i = 0; i < time.length; i++) if (isWeekend(time[i])) weekend++;
  return time.length === 0 ? 0 : weekend / time.length;
}

/**
 * Spacings longer than 1.5 × interval. Daily bars of a weekday market only count a gap when a
 * weekday is missing, so Fri → Mon is not one. Intraday gaps are split into overnight/weekend-sized
 * ones (across midnight UTC or ≥ 6 h) and those within a session, for the notes.
 */
export function countGaps(time: Float64Array, intervalMs: number): { gaps: number; note: string | null } {
  const n = time.length;
  if (n < 2 || !(intervalMs > 0)) return { gaps: 0, note: null };
  const limit = 1.5 * intervalMs;
  const daily = intervalMs === DAY_MS;
  const weekdayMarket = daily && weekendShare(time) < 0.02;
  let gaps = 0;
  let overnight = 0;
  for (let i = 1; i < n; i++) {
    const a = time[i - 1];
    const b = time[i];
    if (b - a <= limit) continue;
    if (weekdayMarket) {
      let missingWeekday = false;
      for (let t = a + DAY_MS; t < b && !missingWeekday; t += DAY_MS) if (!isWeekend(t)) missingWeekday = true;
      if (!missingWeekday) continue;
    }
    gaps++;
    if (intervalMs < DAY_MS && (Math.floor(a / DAY_MS) !== Math.floor(b / DAY_MS) || b - a >= 6 * HOUR_MS)) overnight++;
  }
  let note: string | null = null;
  if (intervalMs < DAY_MS && gaps > 0) {
    note =
      `${plural(gaps, 'gap')} longer than 1.5 bars: ${overnight} overnight/weekend-sized (across midnight UTC or 6 h or more), ` +
      `${gaps - overnight} within sessions.`;
  } else if (weekdayMarket) {
    note = gaps > 0 ? `${plural(gaps, 'gap')} of missing weekdays (ordinary weekends are not counted).` : null;
  }
  return { gaps, note };
}
