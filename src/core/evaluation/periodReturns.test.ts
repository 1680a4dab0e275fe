import { describe, expect, it } from 'vitest';
import { annualisedSharpe, periodEnds, periodReturns } from './periodReturns';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const MONDAY = Date.UTC(2024, 0, 1);

describe('periodReturns', () => {
  /*
   * numpy (2.4):
   *   DAY = 86400000
   *   time = 1704067200000 + 20 * 3600000 + np.arange(80) * 3600000
   *   equity = 1000 * np.cumprod(np.concatenate([[1], 1 + 0.001 * np.cos(np.arange(1, 80))]))
   *   day = time // DAY
   *   last = np.array([np.max(np.nonzero(day == d)[0]) for d in np.unique(day)])
   *   closes = np.concatenate([[equity[0]], equity[last[last > 0]]])
   *   print(last, closes[1:] / closes[:-1] - 1)
   * printed: ends [3, 27, 51, 75, 79]
   *   returns -0.0008661845627629949 0.001089924803745479 0.00024904240119982823 -0.0008840860004697415 -0.0009610654208737079
   */
  it('samples hourly equity at the last bar of each UTC day, counting a partial first day from bar 0', () => {
    const time = Float64Array.from({ length: 80 }, (_, i) => MONDAY + 20 * HOUR + i * HOUR);
    const equity = new Float64Array(80);
    equity[0] = 1000;
    for (let k = 1; k < 80; k++) equity[k] = equity[k - 1] * (1 + 0.001 * Math.cos(k));
    expect(Array.from(periodEnds(time))).toEqual([3, 27, 51, 75, 79]);
    const { returns } = periodReturns(equity, time);
    const expected = [-0.0008661845627629949, 0.001089924803745479, 0.00024904240119982823, -0.0008840860004697415, -0.0009610654208737079];
    expect(returns).toHaveLength(5);
    returns.forEach((r, i) => expect(r).toBeCloseTo(expected[i], 15));
    // The returns compound to the whole run's.
    expect(returns.reduce((g, r) => g * (1 + r), 1)).toBeCloseTo(equity[79] / equity[0], 12);
  });

  it('uses one return per bar for daily and weekly bars, 252 periods a year on weekdays', () => {
    const weekdays: number[] = [];
    for (let d = 0; weekdays.length < 60; d++) {
      const t = MONDAY + d * DAY;
      const dow = new Date(t).getUTCDay();
      if (dow !== 0 && dow !== 6) weekdays.push(t);
    }
    const equity = Float64Array.from(weekdays, (_, i) => 100 + i);
    const daily = periodReturns(equity, Float64Array.from(weekdays));
    expect(daily.returns).toHaveLength(59);
    expect(daily.returns[0]).toBeCloseTo(0.01, 15);
    expect(daily.periodsPerYear).toBe(252);
    const weekly = periodReturns(
      equity,
      Float64Array.from(weekdays, (_, i) => MONDAY + i * 7 * DAY),
    );
    expect(weekly.returns).toHaveLength(59);
    expect(weekly.periodsPerYear).toBeCloseTo(365.25 / 7, 12);
  });

  it('uses 365 periods a year when the market trades at weekends', () => {
    const time = Float64Array.from({ length: 24 * 30 }, (_, i) => MONDAY + i * HOUR);
    expect(periodReturns(new Float64Array(time.length).fill(1), time).periodsPerYear).toBe(365);
  });
});

describe('annualisedSharpe', () => {
  it('is mean / std(ddof 1) · √N', () => {
    const r = Float64Array.from({ length: 25 }, (_, i) => (i % 2 ? 0.02 : -0.01));
    // 12 of +0.02 and 13 of −0.01; numpy: r.mean() = 0.0044, r.std(ddof=1) = 0.015297058540778353
    expect(annualisedSharpe(r, 252).value).toBeCloseTo((0.0044 / 0.015297058540778353) * Math.sqrt(252), 12);
  });

  it('is null with a reason below 20 periods or without variation', () => {
    expect(annualisedSharpe(new Float64Array(19).fill(0.01), 252)).toEqual({
      value: null,
      reason: expect.stringMatching(/19 return periods/),
    });
    expect(annualisedSharpe(new Float64Array(30).fill(0.01), 252)).toEqual({ value: null, reason: expect.stringMatching(/do not vary/) });
  });
});
