import { ConfigError } from './config';

/**
 * Intraday trading sessions in the data's time zone (issue #17). A bar belongs to the session its
 * open time falls in; bar times are epoch ms UTC, turned into local wall-clock time through Intl so
 * daylight-saving changes move the session in UTC but never in local time. The calendar knows no
 * weekends or holidays: a file simply has no bars then.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;

/** A session as minutes of the local day, [startMinute, endMinute); endMinute < startMinute wraps past midnight. */
export interface SessionWindow {
  startMinute: number;
  endMinute: number;
}

/** Where and when trading is allowed; the environment turns these into masks and a forced close. */
export interface SessionRule {
  /** "HH:MM-HH:MM" in 24-hour local time; an end before the start runs past midnight (e.g. 18:00-17:00). */
  session: string;
  /** IANA time zone the session is written in, e.g. America/New_York. */
  timeZone: string;
  /** No new position in the last this-many minutes of a session (0 = entries until the end). */
  noEntryMinutes: number;
}

/** Per-bar session flags, 0 or 1, one entry per bar. */
export interface SessionCalendar {
  /** The bar's open time lies in the session: [start, end) in local time. */
  inSession: Uint8Array;
  /** In session and opening before end − noEntryMinutes: a new position may open. */
  entryAllowed: Uint8Array;
  /** The session's last bar in the data (the next bar is outside it, in a later session, or absent): flatten here. */
  lastOfSession: Uint8Array;
  /** Sessions with at least one bar. */
  sessionCount: number;
}

export type BarSpacingKind = 'intraday' | 'daily-or-coarser';

const SESSION_SYNTAX = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/;

/**
 * Reads "HH:MM-HH:MM" (24-hour, local). An end earlier than the start is an overnight session
 * belonging to the day it starts on; "09:30-00:00" runs to midnight. Throws ConfigError for env.session.
 */
export function parseSessionWindow(text: string): SessionWindow {
  const fail = (problem: string): never => {
    throw new ConfigError(`Invalid setting env.session: ${problem}`, 'env.session');
  };
  const match = SESSION_SYNTAX.exec(text);
  if (match === null) {
    return fail(`"${text}" is not a session window. Write it as HH:MM-HH:MM in 24-hour time, e.g. 09:30-16:00.`);
  }
  const minuteOfDay = (hourText: string, minuteText: string): number => {
    const hour = Number(hourText);
    const minute = Number(minuteText);
    if (hour > 23) fail(`hour ${hour} in "${text}" is outside 00–23. Write midnight as 00:00 (an end of 00:00 runs to midnight).`);
    if (minute > 59) fail(`minute ${minute} in "${text}" is outside 00–59.`);
    return hour * 60 + minute;
  };
  const startMinute = minuteOfDay(match[1], match[2]);
  const endMinute = minuteOfDay(match[3], match[4]);
  if (startMinute === endMinute) {
    fail(`"${text}" starts and ends at the same time. Give the session a length, or leave it unset to trade around the clock.`);
  }
  return { startMinute, endMinute };
}

/** Minutes from the session's start to its end on the local clock (1 … 1439). */
export function sessionLengthMinutes(window: SessionWindow): number {
  return (window.endMinute - window.startMinute + MINUTES_PER_DAY) % MINUTES_PER_DAY;
}

/** The canonical IANA name of a time zone ("america/new_york" → "America/New_York"); ConfigError for env.timeZone when unknown. */
export function checkTimeZone(name: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConfigError(`Unknown time zone "${name}". Use an IANA name such as America/New_York or Europe/London.`, 'env.timeZone');
  }
}

/**
 * 'intraday' when the median spacing of consecutive bars is under one day, else 'daily-or-coarser'
 * (also for fewer than two bars, which have no spacing). Session rules apply to intraday bars only.
 */
export function barSpacingKind(time: Float64Array): BarSpacingKind {
  if (time.length < 2) return 'daily-or-coarser';
  const spacing = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) spacing[i - 1] = time[i] - time[i - 1];
  spacing.sort();
  const middle = spacing.length >> 1;
  const median = spacing.length % 2 === 1 ? spacing[middle] : (spacing[middle - 1] + spacing[middle]) / 2;
  return median < DAY_MS ? 'intraday' : 'daily-or-coarser';
}

/** The note a daily-or-coarser file gets in place of its session rules. */
export function sessionIgnoredNote(rule: SessionRule): string {
  return `Session ${rule.session} (${rule.timeZone}) ignored: the bars are daily or coarser, so a bar has no time of day to restrict.`;
}

/**
 * Local wall-clock time of each bar, as epoch ms of the same calendar date and clock time in UTC.
 * Intl is asked for the zone's offset once per UTC hour and per bar only inside an hour whose
 * offset changes (a daylight-saving transition), so 500k minute bars cost about 8k Intl calls.
 * Assumes no zone changes its offset twice within one hour, which no IANA zone does.
 */
export function localClockTimes(time: Float64Array, timeZone: string): Float64Array {
  const offsetAt = zoneOffsetReader(checkTimeZone(timeZone));
  const local = new Float64Array(time.length);
  let hour = Number.NaN;
  let offsetAtHourStart = 0;
  let offsetAtNextHour = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i];
    const barHour = Math.floor(t / HOUR_MS);
    if (barHour !== hour) {
      offsetAtHourStart = barHour === hour + 1 ? offsetAtNextHour : offsetAt(barHour * HOUR_MS);
      offsetAtNextHour = offsetAt((barHour + 1) * HOUR_MS);
      hour = barHour;
    }
    local[i] = t + (offsetAtHourStart === offsetAtNextHour ? offsetAtHourStart : offsetAt(t));
  }
  return local;
}

/** Reads a zone's UTC offset (local − UTC, ms) at an instant from the wall-clock fields Intl formats it to. */
function zoneOffsetReader(timeZone: string): (t: number) => number {
  // h23 keeps midnight at hour 0 (some locales' 24-hour cycle would print 24).
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (t) => {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of format.formatToParts(t)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
      else if (part.type === 'second') second = Number(part.value);
    }
    const wholeSecond = Math.floor(t / 1000) * 1000;
    return Date.UTC(year, month - 1, day, hour, minute, second) - wholeSecond;
  };
}

function checkNoEntryMinutes(noEntryMinutes: number, lengthMinutes: number, session: string): void {
  if (!Number.isInteger(noEntryMinutes) || noEntryMinutes < 0 || noEntryMinutes >= lengthMinutes) {
    throw new ConfigError(
      `Invalid setting env.noEntryMinutes: ${noEntryMinutes} must be a whole number from 0 to ${lengthMinutes - 1}, less than the ${lengthMinutes}-minute session ${session}.`,
      'env.noEntryMinutes',
    );
  }
}

/**
 * Session flags per bar (times ascending, as in Bars). A bar is in session when its local open time
 * t satisfies start ≤ t < end on the local clock; it may open a position when also
 * t < end − noEntryMinutes. Minutes are wall-clock minutes, so a session spanning a daylight-saving
 * change is an hour shorter or longer in real time, and bars whose local time does not exist (the
 * skipped hour) are never in a session window that contains it. An overnight session is one
 * session from its start to its end the next day.
 */
export function sessionCalendar(time: Float64Array, rule: SessionRule): SessionCalendar {
  const window = parseSessionWindow(rule.session);
  const lengthMinutes = sessionLengthMinutes(window);
  checkNoEntryMinutes(rule.noEntryMinutes, lengthMinutes, rule.session);
  const local = localClockTimes(time, rule.timeZone);

  const n = time.length;
  const inSession = new Uint8Array(n);
  const entryAllowed = new Uint8Array(n);
  const lastOfSession = new Uint8Array(n);
  const startMs = window.startMinute * MINUTE_MS;
  const lengthMs = lengthMinutes * MINUTE_MS;
  const entryEndMs = (lengthMinutes - rule.noEntryMinutes) * MINUTE_MS;
  let sessionCount = 0;
  let previousInside = false;
  let previousSession = 0; // local day number the previous bar's session started on
  for (let i = 0; i < n; i++) {
    const sinceStart = floorMod(local[i] - startMs, DAY_MS);
    const inside = sinceStart < lengthMs;
    const session = Math.floor((local[i] - sinceStart) / DAY_MS);
    const startsSession = inside && (!previousInside || session !== previousSession);
    if (previousInside && (!inside || startsSession)) lastOfSession[i - 1] = 1;
    if (startsSession) sessionCount++;
    if (inside) {
      inSession[i] = 1;
      if (sinceStart < entryEndMs) entryAllowed[i] = 1;
    }
    previousInside = inside;
    previousSession = session;
  }
  if (n > 0 && inSession[n - 1] === 1) lastOfSession[n - 1] = 1;
  return { inSession, entryAllowed, lastOfSession, sessionCount };
}

function floorMod(x: number, m: number): number {
  return ((x % m) + m) % m;
}
