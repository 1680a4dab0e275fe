import { describe, expect, it } from 'vitest';
import { annualisationFor } from './annualisation';

const MIN = 60_000;
const DAY = 86_400_000;
const MONDAY = Date.UTC(2024, 0, 1);

function weekdays(days: number, barsPerDay: number, spacing: number, sessionStart = 14.5 * 3_600_000): number[] {
  const out: number[] = [];
  for (let d = 0; out.length < days * barsPerDay; d++) {
    const dow = new Date(MONDAY + d * DAY).getUTCDay();
    if (dow === 0 || dow === 6) continue;
    for (let b = 0; b < barsPerDay; b++) out.push(MONDAY + d * DAY + sessionStart + b * spacing);
  }
  return out;
}

describe('annualisationFor', () => {
  it('uses 252 bars a year for daily weekday bars', () => {
    expect(annualisationFor(weekdays(300, 1, 0, 0))).toMatchObject({ barsPerYear: 252, barsPerDay: 1, tradingDaysPerYear: 252 });
  });

  it('uses 365 when the market trades at weekends (crypto)', () => {
    const time = Array.from({ length: 400 }, (_, i) => MONDAY + i * DAY);
    expect(annualisationFor(time)).toMatchObject({ barsPerYear: 365, tradingDaysPerYear: 365 });
  });

  it('multiplies the observed bars per day by the trading days for intraday bars', () => {
    expect(annualisationFor(weekdays(20, 390, MIN))).toMatchObject({
      barsPerYear: 390 * 252,
      barsPerDay: 390,
      period: 'day',
      periodsPerYear: 252,
    });
    const hourly247 = Array.from({ length: 24 * 60 }, (_, i) => MONDAY + i * 3_600_000);
    expect(annualisationFor(hourly247)).toMatchObject({ barsPerYear: 24 * 365, barsPerDay: 24, period: 'day', periodsPerYear: 365 });
  });

  it('ignores a partial first and last day', () => {
    const time = weekdays(10, 390, MIN).slice(200, -100);
    expect(annualisationFor(time).barsPerDay).toBe(390);
  });

  it('divides the year by the spacing for weekly bars', () => {
    const time = Array.from({ length: 100 }, (_, i) => MONDAY + i * 7 * DAY);
    expect(annualisationFor(time).barsPerYear).toBeCloseTo(365.25 / 7, 10);
    expect(annualisationFor(time)).toMatchObject({ period: 'bar', periodsPerYear: expect.closeTo(365.25 / 7, 10) });
  });

  it('falls back to daily for fewer than two bars', () => {
    expect(annualisationFor([MONDAY]).barsPerYear).toBe(252);
  });
});
