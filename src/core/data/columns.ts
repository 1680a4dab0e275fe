/**
 * Which column plays which role (time, open, high, low, close, volume): from header names and their
 * common aliases, from position when there is no header, or from options.mapping.
 */
import { ImportError } from './errors';
import { isBlankCell, parseNumberCell } from './numbers';
import type { ColumnRole } from './report';
import { detectTimestampFormat, looksLikeClock, looksLikeTimestamp, parseClockCell } from './timestamps';

export type RoleIndexes = Partial<Record<ColumnRole, number>>;

/** A parsed row of the sample with its 1-based file line number. */
export interface SampleRow {
  line: number;
  fields: string[];
}

export interface ColumnLayout {
  /** Column names as used (the header, "column 1".. without one, fixed when the header was short). */
  columns: string[];
  hasHeader: boolean;
  /** Fields every data row should have. */
  fieldCount: number;
  roles: RoleIndexes;
  notes: string[];
}

// Aliases are compared after normalizeHeaderName; earlier entries win.
const FULL_TIMESTAMP_ALIASES = [
  'datetime',
  'timestamp',
  'opentime',
  'gmttime',
  'localtime',
  'utctime',
  'timeutc',
  'datetimeutc',
  'timestamputc',
  'unixtime',
  'unix',
  'epoch',
  'ts',
  'starttime',
  'bartime',
  'dt',
  'opendate',
];
const DATE_ALIASES = ['date', 'day', 'tradedate', 'tradingday', 'datadate'];
const CLOCK_ALIASES = ['time', 'timeofday', 'clock', 'hour'];
const PRICE_ALIASES: Record<'open' | 'high' | 'low' | 'close', string[]> = {
  open: ['open', 'o', 'openprice', 'priceopen', 'openbid', 'openask', 'openmid', 'first', 'openingprice'],
  high: ['high', 'h', 'highprice', 'pricehigh', 'highbid', 'highask', 'highmid', 'max'],
  low: ['low', 'l', 'lowprice', 'pricelow', 'lowbid', 'lowask', 'lowmid', 'min'],
  close: [
    'close',
    'c',
    'closeprice',
    'priceclose',
    'closelast',
    'last',
    'lastprice',
    'price',
    'closebid',
    'closeask',
    'closemid',
    'closingprice',
    'settle',
    'settlement',
  ],
};
const ADJ_CLOSE_ALIASES = ['adjclose', 'adjustedclose', 'adjclosing', 'adjustedclosingprice'];
const VOLUME_ALIASES = ['volume', 'vol', 'v', 'tickvol', 'tickvolume', 'realvolume', 'basevolume', 'volumefrom'];

/** "<TICKVOL>" → "tickvol", "Volume (BTC)" → "volume", "Adj Close" → "adjclose", "Open time" → "opentime". */
export function normalizeHeaderName(name: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && /[A-Za-z0-9]/.test(ch)) out += ch.toLowerCase();
  }
  return out;
}

/** Name shown for a column: its header, or "column N" when the header cell is empty. */
export function displayName(columns: string[], index: number): string {
  const name = columns[index]?.trim() ?? '';
  return name === '' ? `column ${index + 1}` : name;
}

/** A first row is a header when some non-empty cell is neither a number nor a date or time. */
export function isHeaderRow(fields: string[]): boolean {
  return fields.some((cell) => {
    if (isBlankCell(cell)) return false;
    const s = cell.trim();
    const asNumber = parseNumberCell(s, false);
    if (Number.isFinite(asNumber) || Number.isFinite(parseNumberCell(s, true))) return false;
    return !looksLikeTimestamp(s) && !looksLikeClock(s);
  });
}

function columnValues(rows: SampleRow[], index: number): string[] {
  const values: string[] = [];
  for (const row of rows) if (index < row.fields.length) values.push(row.fields[index]);
  return values;
}

function share(values: string[], test: (s: string) => boolean): number {
  let hits = 0;
  let total = 0;
  for (const v of values) {
    if (isBlankCell(v)) continue;
    total++;
    if (test(v.trim())) hits++;
  }
  return total === 0 ? 0 : hits / total;
}

function isClockColumn(rows: SampleRow[], index: number): boolean {
  return share(columnValues(rows, index), (s) => parseClockCell(s) === parseClockCell(s)) >= 0.9;
}

function isTimestampColumn(rows: SampleRow[], index: number, allowEpoch: boolean): boolean {
  const detection = detectTimestampFormat(columnValues(rows, index), null);
  return detection !== null && (allowEpoch || detection.format.kind === 'calendar');
}

function isAllZero(rows: SampleRow[], index: number): boolean {
  const values = columnValues(rows, index).filter((v) => !isBlankCell(v));
  return values.length > 0 && values.every((v) => parseNumberCell(v, false) === 0 || parseNumberCell(v, true) === 0);
}

/**
 * Reconciles the header with the rows' field count: a short header whose rows carry an extra
 * time-of-day second field gets a "Time" column; a trailing empty field on every row is ignored.
 * Anything else that disagrees is a ragged file.
 */
export function reconcileHeader(header: string[], rows: SampleRow[], fileName: string): { columns: string[]; notes: string[] } {
  const h = header.length;
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.fields.length, (counts.get(row.fields.length) ?? 0) + 1);
  let fieldCount = h;
  let best = 0;
  for (const [count, times] of counts) {
    if (times > best) {
      best = times;
      fieldCount = count;
    }
  }
  if (rows.length === 0 || fieldCount === h) return { columns: header.slice(), notes: [] };
  const typical = rows.filter((r) => r.fields.length === fieldCount);
  if (fieldCount === h + 1) {
    const secondIsClock = h >= 1 && share(columnValues(typical, 1), (s) => looksLikeClock(s)) >= 0.9;
    const namedClock = CLOCK_ALIASES.includes(normalizeHeaderName(header[1] ?? ''));
    if (secondIsClock && !namedClock) {
      const columns = [header[0], 'Time', ...header.slice(1)];
      const first = displayName(header, 0);
      return {
        columns,
        notes: [
          `The header names ${h} columns but rows have ${fieldCount} fields: the second field of each row is a time of day, ` +
            `so it was read as a "Time" column after "${first}".`,
        ],
      };
    }
    if (typical.every((r) => isBlankCell(r.fields[h]))) {
      return { columns: [...header, ''], notes: ['Every row ends with an extra empty field; it is ignored.'] };
    }
  }
  if (fieldCount === h - 1 && isBlankCell(header[h - 1])) {
    return { columns: header.slice(0, h - 1), notes: [] };
  }
  const offending = rows.find((r) => r.fields.length !== h) ?? rows[0];
  throw new ImportError(
    'ragged-rows',
    `The header of ${fileName} has ${h} columns but line ${offending.line} has ${offending.fields.length} fields (most rows have ${fieldCount}).`,
    { hint: 'Check that the delimiter is used consistently and that text fields containing it are quoted.', fileName, row: offending.line },
  );
}

/**
 * Roles from header names and aliases, with the sample deciding between look-alike columns. Of several
 * volume columns ("Volume BTC", "Volume USD") the first with values is taken: exporters list the
 * base-asset volume first.
 */
export function rolesFromHeader(columns: string[], rows: SampleRow[]): { roles: RoleIndexes; notes: string[] } {
  const normalized = columns.map(normalizeHeaderName);
  const used = new Set<number>();
  const roles: RoleIndexes = {};
  const find = (aliases: string[]): number => {
    for (const alias of aliases) {
      const index = normalized.findIndex((name, i) => name === alias && !used.has(i));
      if (index >= 0) return index;
    }
    return -1;
  };
  const take = (role: ColumnRole, index: number): void => {
    roles[role] = index;
    used.add(index);
  };

  const full = find(FULL_TIMESTAMP_ALIASES);
  const date = find(DATE_ALIASES);
  const clock = find(CLOCK_ALIASES);
  if (full >= 0) take('time', full);
  else if (date >= 0 && clock >= 0) {
    if (isClockColumn(rows, clock)) {
      take('date', date);
      take('clock', clock);
    } else if (isTimestampColumn(rows, clock, true)) take('time', clock);
    else take('time', date);
  } else if (date >= 0) take('time', date);
  else if (clock >= 0) take('time', clock);
  else if (normalized[0] === '' || normalized[0].startsWith('unnamed') || normalized[0] === 'index') take('time', 0);

  for (const role of ['open', 'high', 'low', 'close'] as const) {
    const index = find(PRICE_ALIASES[role]);
    if (index >= 0) take(role, index);
  }
  if (roles.close === undefined) {
    const adj = find(ADJ_CLOSE_ALIASES);
    if (adj >= 0) take('close', adj);
  }

  const volumeCandidates: number[] = [];
  for (const alias of VOLUME_ALIASES) {
    normalized.forEach((name, i) => {
      if (name === alias && !used.has(i) && !volumeCandidates.includes(i)) volumeCandidates.push(i);
    });
  }
  normalized.forEach((name, i) => {
    if ((name.startsWith('volume') || name.startsWith('vol')) && !used.has(i) && !volumeCandidates.includes(i)) volumeCandidates.push(i);
  });
  // MetaTrader writes <VOL> as 0 for FX and the real activity in <TICKVOL>: prefer a column with values.
  const volume = volumeCandidates.find((i) => !isAllZero(rows, i)) ?? volumeCandidates[0];
  if (volume !== undefined) take('volume', volume);
  const notes: string[] = [];
  if (volumeCandidates.length > 1 && volume !== undefined) {
    const others = volumeCandidates.filter((i) => i !== volume).map((i) => `"${displayName(columns, i)}"`);
    const why =
      volume === volumeCandidates[0] ? 'the first, as exporters list the base-asset volume first' : 'the first with non-zero values';
    notes.push(`Several volume columns: "${displayName(columns, volume)}" is used as the volume (${why}); ${others.join(', ')} not used.`);
  }

  if (roles.time === undefined && roles.date === undefined) {
    // No time-like name: take the first column whose values read as dates (or epoch numbers in column 1).
    for (let i = 0; i < columns.length; i++) {
      if (!used.has(i) && isTimestampColumn(rows, i, i === 0)) {
        take('time', i);
        break;
      }
    }
  }
  return { roles, notes };
}

/**
 * Roles of a headerless file by position: time (or date + time of day), then open, high, low, close
 * and volume. This covers t,o,h,l,c / t,o,h,l,c,v / MetaTrader date,time,o,h,l,c,v and the 12-column
 * exchange kline dumps (open_time, o, h, l, c, volume, close_time, …).
 */
export function rolesByPosition(fieldCount: number, rows: SampleRow[], fileName: string): { roles: RoleIndexes; notes: string[] } {
  const names = Array.from({ length: fieldCount }, (_, i) => `column ${i + 1}`);
  const splitClock = fieldCount >= 3 && share(columnValues(rows, 1), (s) => looksLikeClock(s)) >= 0.9;
  const roles: RoleIndexes = splitClock ? { date: 0, clock: 1 } : { time: 0 };
  const first = splitClock ? 2 : 1;
  const numbers = fieldCount - first;
  const layout: string[] = splitClock ? ['date', 'time'] : ['time'];
  if (numbers >= 4) {
    roles.open = first;
    roles.high = first + 1;
    roles.low = first + 2;
    roles.close = first + 3;
    layout.push('open', 'high', 'low', 'close');
    if (numbers >= 5) {
      roles.volume = first + 4;
      layout.push('volume');
    }
  } else if (numbers === 1 || numbers === 2) {
    roles.close = first;
    layout.push('close');
    if (numbers === 2) {
      roles.volume = first + 1;
      layout.push('volume');
    }
  } else {
    throw new ImportError(
      'no-price-column',
      `${fileName} has no header row and ${fieldCount} columns, so which one holds the close price cannot be told. Columns seen: ${names.join(', ')}.`,
      { hint: 'Add a header row (e.g. Date,Open,High,Low,Close,Volume) or map one column to "close".', fileName },
    );
  }
  const kline =
    fieldCount === 12 && !splitClock ? ' (exchange kline layout: open time, OHLC, volume, then close time and trade statistics)' : '';
  const extra = fieldCount > layout.length ? `; columns ${layout.length + 1}–${fieldCount} are ignored` : '';
  return { roles, notes: [`No header row: columns read by position as ${layout.join(', ')}${kline}${extra}.`] };
}

/** Applies options.mapping on top of detected roles; a name or index that is not there is an ImportError. */
export function applyMapping(
  columns: string[],
  detected: RoleIndexes,
  mapping: Partial<Record<ColumnRole, string | number>>,
  fileName: string,
): RoleIndexes {
  const roles: RoleIndexes = { ...detected };
  const seen = columns.map((_, i) => displayName(columns, i)).join(', ');
  for (const [role, wanted] of Object.entries(mapping) as [ColumnRole, string | number | undefined][]) {
    if (wanted === undefined) continue;
    const index = resolveColumn(columns, wanted);
    if (index < 0) {
      const isTime = role === 'time' || role === 'date' || role === 'clock';
      const what = typeof wanted === 'number' ? `column index ${wanted}` : `column "${wanted}"`;
      throw new ImportError(
        isTime ? 'no-time-column' : 'no-price-column',
        `The mapping sends "${role}" to ${what}, which ${fileName} does not have. Columns seen: ${seen}.`,
        { hint: `Map "${role}" to one of these names or to a 0-based index below ${columns.length}.`, fileName, column: String(wanted) },
      );
    }
    // A column moved to this role leaves the role it had by detection.
    for (const other of Object.keys(roles) as ColumnRole[]) if (roles[other] === index && !(other in mapping)) delete roles[other];
    roles[role] = index;
  }
  if (mapping.time !== undefined && mapping.date === undefined) {
    delete roles.date;
    delete roles.clock;
  }
  if ((mapping.date !== undefined || mapping.clock !== undefined) && mapping.time === undefined) delete roles.time;
  return roles;
}

function resolveColumn(columns: string[], wanted: string | number): number {
  if (typeof wanted === 'number') return Number.isInteger(wanted) && wanted >= 0 && wanted < columns.length ? wanted : -1;
  const exact = columns.indexOf(wanted);
  if (exact >= 0) return exact;
  const lower = wanted.trim().toLowerCase();
  const byCase = columns.findIndex((c, i) => c.trim().toLowerCase() === lower || displayName(columns, i).toLowerCase() === lower);
  if (byCase >= 0) return byCase;
  const norm = normalizeHeaderName(wanted);
  return norm === '' ? -1 : columns.findIndex((c) => normalizeHeaderName(c) === norm);
}
