import { describe, expect, it } from 'vitest';
import { generateSampleBars } from '../data/sampleData';
import { ConfigError } from './config';
import {
  barSpacingKind,
  checkTimeZone,
  localClockTimes,
  parseSessionWindow,
  sessionCalendar,
  sessionIgnoredNote,
  sessionLengthMinutes,
  type SessionCalendar,
} from './session';

const MINUTE_MS = 60_000;

/** Bar open times every `minutes` from `from` (inclusive) to `to` (exclusive), ISO strings in UTC. */
function barsEvery(minutes: number, from: string, to: string): Float64Array {
  const out: number[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += minutes * MINUTE_MS) out.push(t);
  return Float64Array.from(out);
}

/** The flagged bars as "YYYY-MM-DDTHH:MM" UTC, for readable comparisons. */
function flagged(time: Float64Array, flags: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < time.length; i++) if (flags[i] === 1) out.push(new Date(time[i]).toISOString().slice(0, 16));
  return out;
}

/** Every `minutes` from first to last (both inclusive) on each listed UTC date. */
function expectedBars(minutes: number, days: Array<[date: string, first: string, last: string]>): string[] {
  const out: string[] = [];
  for (const [date, first, last] of days) {
    const end = Date.parse(`${date}T${last}Z`);
    for (let t = Date.parse(`${date}T${first}Z`); t <= end; t += minutes * MINUTE_MS) out.push(new Date(t).toISOString().slice(0, 16));
  }
  return out;
}

function lastBars(days: Array<[date: string, first: string, last: string]>): string[] {
  return days.map(([date, , last]) => `${date}T${last}`);
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSessionWindow', () => {
  it('reads HH:MM-HH:MM as minutes of the local day', () => {
    expect(parseSessionWindow('09:30-16:00')).toEqual({ startMinute: 570, endMinute: 960 });
    expect(parseSessionWindow(' 9:30 - 16:00 ')).toEqual({ startMinute: 570, endMinute: 960 });
  });

  it('accepts an overnight session whose end comes before its start', () => {
    const window = parseSessionWindow('18:00-17:00');
    expect(window).toEqual({ startMinute: 1080, endMinute: 1020 });
    expect(sessionLengthMinutes(window)).toBe(23 * 60);
    expect(sessionLengthMinutes(parseSessionWindow('09:30-00:00'))).toBe(14 * 60 + 30);
  });

  it.each([
    ['0930-1600', 'HH:MM-HH:MM'],
    ['09:30', 'HH:MM-HH:MM'],
    ['nine to four', 'HH:MM-HH:MM'],
    ['24:00-16:00', 'hour 24'],
    ['09:30-25:00', 'hour 25'],
    ['09:60-16:00', 'minute 60'],
    ['09:30-09:30', 'same time'],
  ])('refuses "%s" naming env.session', (text, problem) => {
    const error = configError(() => parseSessionWindow(text));
    expect(error.field).toBe('env.session');
    expect(error.message).toContain(problem);
  });
});

describe('checkTimeZone', () => {
  it('returns the canonical IANA name', () => {
    expect(checkTimeZone('America/New_York')).toBe('America/New_York');
    expect(checkTimeZone('america/new_york')).toBe('America/New_York');
    expect(checkTimeZone('UTC')).toBe('UTC');
  });

  it('refuses an unknown zone and says what to write instead', () => {
    const error = configError(() => checkTimeZone('Mars/Olympus_Mons'));
    expect(error.field).toBe('env.timeZone');
    expect(error.message).toBe('Unknown time zone "Mars/Olympus_Mons". Use an IANA name such as America/New_York or Europe/London.');
  });
});

describe('barSpacingKind', () => {
  it('reports a daily file as daily-or-coarser, weekend gaps included', () => {
    expect(barSpacingKind(generateSampleBars({ bars: 300 }).time)).toBe('daily-or-coarser');
  });

  it('reports minute and hourly bars as intraday, overnight gaps included', () => {
    expect(barSpacingKind(barsEvery(1, '2024-01-02T14:30Z', '2024-01-05T21:00Z'))).toBe('intraday');
    expect(barSpacingKind(barsEvery(60, '2024-01-02T00:00Z', '2024-01-09T00:00Z'))).toBe('intraday');
  });

  it('reports fewer than two bars as daily-or-coarser (no spacing to restrict)', () => {
    expect(barSpacingKind(new Float64Array([Date.parse('2024-01-02T14:30Z')]))).toBe('daily-or-coarser');
    expect(sessionIgnoredNote({ session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 })).toContain('ignored');
  });
});

describe('sessionCalendar across daylight-saving changes (expected UTC times computed by hand)', () => {
  const newYork = { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 };

  it('keeps 09:30–15:30 local across the 2024-03-10 spring-forward: the last bar moves from 20:30Z to 19:30Z', () => {
    // EST (UTC−5) until Sunday 2024-03-10 07:00Z, EDT (UTC−4) after: 09:30 local = 14:30Z, then 13:30Z.
    const days: Array<[string, string, string]> = [
      ['2024-03-06', '14:30', '20:30'],
      ['2024-03-07', '14:30', '20:30'],
      ['2024-03-08', '14:30', '20:30'],
      ['2024-03-09', '14:30', '20:30'],
      ['2024-03-10', '13:30', '19:30'],
      ['2024-03-11', '13:30', '19:30'],
      ['2024-03-12', '13:30', '19:30'],
      ['2024-03-13', '13:30', '19:30'],
    ];
    const time = barsEvery(30, '2024-03-06T00:00Z', '2024-03-14T00:00Z');
    const calendar = sessionCalendar(time, newYork);
    expect(flagged(time, calendar.inSession)).toEqual(expectedBars(30, days));
    expect(flagged(time, calendar.lastOfSession)).toEqual(lastBars(days));
    expect(calendar.sessionCount).toBe(8);
    const last = flagged(time, calendar.lastOfSession).map((iso) => new Date(`${iso}Z`).getUTCHours());
    expect(last[3] - last[4]).toBe(1);
  });

  it('keeps 09:30–15:30 local across the 2024-11-03 fall-back: the last bar moves from 19:30Z to 20:30Z', () => {
    // EDT (UTC−4) until Sunday 2024-11-03 06:00Z, EST (UTC−5) after.
    const days: Array<[string, string, string]> = [
      ['2024-10-30', '13:30', '19:30'],
      ['2024-10-31', '13:30', '19:30'],
      ['2024-11-01', '13:30', '19:30'],
      ['2024-11-02', '13:30', '19:30'],
      ['2024-11-03', '14:30', '20:30'],
      ['2024-11-04', '14:30', '20:30'],
      ['2024-11-05', '14:30', '20:30'],
      ['2024-11-06', '14:30', '20:30'],
    ];
    const time = barsEvery(30, '2024-10-30T00:00Z', '2024-11-07T00:00Z');
    const calendar = sessionCalendar(time, newYork);
    expect(flagged(time, calendar.inSession)).toEqual(expectedBars(30, days));
    expect(flagged(time, calendar.lastOfSession)).toEqual(lastBars(days));
    expect(calendar.sessionCount).toBe(8);
  });

  it('keeps 08:00–16:00 local in London across the 2024-03-31 change to summer time', () => {
    // GMT (UTC+0) until 2024-03-31 01:00Z, BST (UTC+1) after: 08:00 local = 08:00Z, then 07:00Z.
    const days: Array<[string, string, string]> = [
      ['2024-03-28', '08:00', '16:00'],
      ['2024-03-29', '08:00', '16:00'],
      ['2024-03-30', '08:00', '16:00'],
      ['2024-03-31', '07:00', '15:00'],
      ['2024-04-01', '07:00', '15:00'],
      ['2024-04-02', '07:00', '15:00'],
    ];
    const time = barsEvery(30, '2024-03-28T00:00Z', '2024-04-03T00:00Z');
    const calendar = sessionCalendar(time, { session: '08:00-16:30', timeZone: 'Europe/London', noEntryMinutes: 0 });
    expect(flagged(time, calendar.inSession)).toEqual(expectedBars(30, days));
    expect(flagged(time, calendar.lastOfSession)).toEqual(lastBars(days));
  });

  it('runs an overnight 18:00-17:00 session as one session that is 22 bars long over the spring-forward', () => {
    // Hourly bars. A session starts at 18:00 local: 23:00Z under EST, 22:00Z under EDT; it ends at
    // 17:00 local the next day: 22:00Z under EST, 21:00Z under EDT, so its last bar opens an hour before.
    // The session starting Sat 2024-03-09 23:00Z ends Sun 2024-03-10 21:00Z: bars 23:00Z … 20:00Z = 22
    // (wall clock 23 h, one of them skipped); a session without a change has 23 bars.
    const time = barsEvery(60, '2024-03-06T00:00Z', '2024-03-13T00:00Z');
    const calendar = sessionCalendar(time, { session: '18:00-17:00', timeZone: 'America/New_York', noEntryMinutes: 60 });
    const outOfSession = time.reduce<string[]>((out, t, i) => {
      if (calendar.inSession[i] === 0) out.push(new Date(t).toISOString().slice(0, 16));
      return out;
    }, []);
    expect(outOfSession).toEqual([
      '2024-03-06T22:00',
      '2024-03-07T22:00',
      '2024-03-08T22:00',
      '2024-03-09T22:00',
      '2024-03-10T21:00',
      '2024-03-11T21:00',
      '2024-03-12T21:00',
    ]);
    expect(flagged(time, calendar.lastOfSession)).toEqual([
      '2024-03-06T21:00',
      '2024-03-07T21:00',
      '2024-03-08T21:00',
      '2024-03-09T21:00',
      '2024-03-10T20:00',
      '2024-03-11T20:00',
      '2024-03-12T20:00',
      '2024-03-12T23:00', // the data's last bar, inside the session that started at 22:00Z
    ]);
    expect(calendar.sessionCount).toBe(8);
    const first = time.indexOf(Date.parse('2024-03-09T23:00Z'));
    const last = time.indexOf(Date.parse('2024-03-10T20:00Z'));
    expect(last - first + 1).toBe(22);
    // noEntryMinutes 60: no entry on the bar opening at 16:00 local, 21:00Z under EST and 20:00Z under EDT.
    const inButNoEntry = flagged(
      time,
      calendar.inSession.map((v, i) => v & (1 - calendar.entryAllowed[i])),
    );
    expect(inButNoEntry).toEqual(flagged(time, calendar.lastOfSession).slice(0, 7));
  });
});

describe('sessionCalendar', () => {
  const winter = barsEvery(30, '2024-01-08T00:00Z', '2024-01-10T00:00Z'); // EST, UTC−5

  it('allows no entry in the last noEntryMinutes of the session', () => {
    // 09:30-16:00 with 45 minutes: entries while local time < 15:15, so the 15:00 bar (20:00Z) is the last.
    const calendar = sessionCalendar(winter, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 45 });
    expect(flagged(winter, calendar.entryAllowed)).toEqual(
      expectedBars(30, [
        ['2024-01-08', '14:30', '20:00'],
        ['2024-01-09', '14:30', '20:00'],
      ]),
    );
    // 60 minutes: local time < 15:00, so the 15:00 bar may not open a position either.
    const stricter = sessionCalendar(winter, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 60 });
    expect(flagged(winter, stricter.entryAllowed)).toEqual(
      expectedBars(30, [
        ['2024-01-08', '14:30', '19:30'],
        ['2024-01-09', '14:30', '19:30'],
      ]),
    );
  });

  it('flags the last bar present when the session close is missing from the data', () => {
    const time = winter.filter((t) => t !== Date.parse('2024-01-08T20:30Z'));
    const calendar = sessionCalendar(time, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 });
    expect(flagged(time, calendar.lastOfSession)).toEqual(['2024-01-08T20:00', '2024-01-09T20:30']);
  });

  it('runs a session ending at 00:00 to midnight on the day it starts', () => {
    const calendar = sessionCalendar(winter, { session: '09:30-00:00', timeZone: 'America/New_York', noEntryMinutes: 0 });
    // 23:30 local = 04:30Z the next day; the data starts inside the 2024-01-07 session and ends inside the 01-09 one.
    expect(flagged(winter, calendar.lastOfSession)).toEqual(['2024-01-08T04:30', '2024-01-09T04:30', '2024-01-09T23:30']);
    expect(calendar.inSession[winter.indexOf(Date.parse('2024-01-09T05:00Z'))]).toBe(0);
    expect(calendar.sessionCount).toBe(3);
  });

  it('puts a sub-minute bar in session by its exact open time', () => {
    const time = Float64Array.from([Date.parse('2024-01-08T14:29:59.500Z'), Date.parse('2024-01-08T14:30:00.000Z')]);
    const calendar: SessionCalendar = sessionCalendar(time, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 0 });
    expect(Array.from(calendar.inSession)).toEqual([0, 1]);
  });

  it('refuses noEntryMinutes that leave no time to enter, naming env.noEntryMinutes', () => {
    const error = configError(() => sessionCalendar(winter, { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 390 }));
    expect(error.field).toBe('env.noEntryMinutes');
    expect(error.message).toContain('0 to 389');
    expect(configError(() => sessionCalendar(winter, { session: '09:30-16:00', timeZone: 'Nowhere', noEntryMinutes: 0 })).field).toBe(
      'env.timeZone',
    );
  });

  it('reads local clock times equal to per-bar Intl formatting, including a zone that shifts by 30 minutes off the hour', () => {
    // Lord Howe Island moves from UTC+10:30 to UTC+11 at 02:00 local on 2024-10-06, i.e. at 2024-10-05 15:30Z,
    // in the middle of a UTC hour.
    const time = barsEvery(7, '2024-10-05T13:00Z', '2024-10-05T18:00Z');
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: 'Australia/Lord_Howe',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const expected = Array.from(time, (t) => {
      const p = Object.fromEntries(format.formatToParts(t).map((part) => [part.type, Number(part.value)]));
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    });
    expect(Array.from(localClockTimes(time, 'Australia/Lord_Howe'))).toEqual(expected);
    const offsets = new Set(expected.map((local, i) => (local - time[i]) / MINUTE_MS));
    expect([...offsets].sort()).toEqual([630, 660]);
  });
});
