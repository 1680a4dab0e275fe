import { describe, expect, it } from 'vitest';
import { MISSING, parseNumberCell, parseVolumeCell } from './numbers';
import { countGaps, describeInterval } from './series';
import { detectDelimiter } from './sniff';
import { parseCalendarCell, parseClockCell } from './timestamps';

const DAY = 86_400_000;

describe('parseNumberCell', () => {
  it('reads plain, scientific, thousands-grouped and padded numbers', () => {
    expect(parseNumberCell('1234.5', false)).toBe(1234.5);
    expect(parseNumberCell('1.5e3', false)).toBe(1500);
    expect(parseNumberCell('1,234.56', false)).toBe(1234.56);
    expect(parseNumberCell('  42 ', false)).toBe(42);
    expect(parseNumberCell('0.75', false)).toBe(0.75);
  });

  it('reads decimal commas with optional dot thousands groups', () => {
    expect(parseNumberCell('1234,56', true)).toBe(1234.56);
    expect(parseNumberCell('1.234,56', true)).toBe(1234.56);
  });

  it('tells empty cells (MISSING) from non-numbers (NaN) and rejects hex and Infinity', () => {
    expect(parseNumberCell('', false)).toBe(MISSING);
    expect(parseNumberCell('   ', false)).toBe(MISSING);
    expect(parseNumberCell('abc', false)).toBeNaN();
    expect(parseNumberCell('0x1f', false)).toBeNaN();
    expect(parseNumberCell('Infinity', false)).toBeNaN();
  });
});

describe('parseVolumeCell', () => {
  it('reads K, M and B suffixes as thousands, millions and billions', () => {
    expect(parseVolumeCell('564.84K', false)).toBe(564_840);
    expect(parseVolumeCell('1.73M', false)).toBe(1_730_000);
    expect(parseVolumeCell('3.17B', false)).toBe(3_170_000_000);
    expect(parseVolumeCell('2,5k', true)).toBe(2500);
    expect(parseVolumeCell('12000', false)).toBe(12000);
  });

  it('reads "-" and empty cells as MISSING and other text as NaN', () => {
    expect(parseVolumeCell('-', false)).toBe(MISSING);
    expect(parseVolumeCell('', false)).toBe(MISSING);
    expect(parseVolumeCell('M', false)).toBeNaN();
    expect(parseVolumeCell('1.5X', false)).toBeNaN();
  });
});

describe('timestamp cells', () => {
  it('rejects impossible dates and times', () => {
    expect(parseCalendarCell('2023-02-29', 'ymd')).toBeNaN();
    expect(parseCalendarCell('2024-02-29', 'ymd')).toBe(Date.UTC(2024, 1, 29));
    expect(parseCalendarCell('2024-13-01', 'ymd')).toBeNaN();
    expect(parseCalendarCell('2024-01-01 25:00', 'ymd')).toBeNaN();
    expect(parseCalendarCell('2024-01-01 10:00 junk', 'ymd')).toBeNaN();
  });

  it('reads hour-only 12-hour stamps "2019-10-17 09-AM", with 12-AM as midnight and 12-PM as noon', () => {
    const day = Date.UTC(2019, 9, 17);
    expect(parseCalendarCell('2019-10-17 09-AM', 'ymd')).toBe(day + 9 * 3_600_000);
    expect(parseCalendarCell('2019-10-17 09-PM', 'ymd')).toBe(day + 21 * 3_600_000);
    expect(parseCalendarCell('2019-10-17 12-AM', 'ymd')).toBe(day);
    expect(parseCalendarCell('2019-10-17 12-PM', 'ymd')).toBe(day + 12 * 3_600_000);
    expect(parseCalendarCell('2019-10-17 13-PM', 'ymd')).toBeNaN();
    expect(parseCalendarCell('2019-10-17 09-', 'ymd')).toBeNaN();
  });

  it('reads 12-hour clocks and compact times', () => {
    expect(parseClockCell('1:05 PM')).toBe((13 * 60 + 5) * 60_000);
    expect(parseClockCell('12:00 AM')).toBe(0);
    expect(parseClockCell('930')).toBe((9 * 60 + 30) * 60_000);
    expect(parseClockCell('093015')).toBe(((9 * 60 + 30) * 60 + 15) * 1000);
  });
});

describe('detectDelimiter', () => {
  it('prefers the semicolon over the decimal commas inside semicolon rows', () => {
    expect(detectDelimiter(['a;b;c', '1,5;2,5;3,5', '1,0;2,0;3,0'])).toBe(';');
  });

  it('ignores delimiters inside quotes', () => {
    expect(detectDelimiter(['"a;x",b', '"1;2",3'])).toBe(',');
  });
});

describe('intervals and gaps', () => {
  it('labels common bar intervals', () => {
    expect(describeInterval(60_000)).toBe('1 minute');
    expect(describeInterval(300_000)).toBe('5 minutes');
    expect(describeInterval(3_600_000)).toBe('1 hour');
    expect(describeInterval(4 * 3_600_000)).toBe('4 hours');
    expect(describeInterval(DAY)).toBe('1 day');
    expect(describeInterval(7 * DAY)).toBe('1 week');
    expect(describeInterval(31 * DAY)).toBe('1 month');
    expect(describeInterval(30 * DAY)).toBe('1 month');
  });

  it('does not count Fri → Mon in daily bars as a gap but counts a missing weekday', () => {
    const fri = Date.UTC(2024, 0, 5);
    const time = Float64Array.from([fri - DAY, fri, fri + 3 * DAY, fri + 4 * DAY, fri + 6 * DAY]);
    expect(countGaps(time, DAY).gaps).toBe(1); // Tue → Thu misses Wednesday
  });

  it('splits intraday gaps into overnight/weekend-sized and within-session ones', () => {
    const start = Date.UTC(2024, 0, 2, 10);
    const m = 60_000;
    const time = Float64Array.from([start, start + m, start + 5 * m, start + 6 * m, start + DAY, start + DAY + m]);
    const { gaps, note } = countGaps(time, m);
    expect(gaps).toBe(2);
    expect(note).toMatch(/1 overnight\/weekend-sized .* 1 within sessions/);
  });
});
