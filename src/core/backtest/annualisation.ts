import type { Annualisation } from './types';

const DAY_MS = 86_400_000;

export const DAILY_252: Annualisation = {
  barsPerYear: 252,
  barsPerDay: 1,
  tradingDaysPerYear: 252,
  period: 'day',
  periodsPerYear: 252,
  basis: 'daily returns × 252 trading days',
};

/**
 * How returns are annualised, read from the timestamps. Risk metrics use daily returns (empyrical /
 * quantstats convention): daily and intraday bars are resampled to one value per UTC day and
 * annualised over the trading days; bars coarser than a day (weekly, monthly) keep their own spacing.
 * - daily bars: one per trading day;
 * - intraday bars: the median number of bars per calendar day with data, times the trading days;
 * - coarser bars: 365.25 days over the median spacing.
 * Trading days are 365 when weekend bars make up a real share of the data, else 252; the threshold
 * (more than 60 % of the 2/7 a seven-day market would have) is backtesting.py's (_stats.py,
 * `annual_trading_days`).
 */
export function annualisationFor(time: ArrayLike<number>): Annualisation {
  const n = time.length;
  if (n < 2) return DAILY_252;
  const tradingDaysPerYear: 252 | 365 = weekendShare(time) > (2 / 7) * 0.6 ? 365 : 252;
  const intervalDays = medianSpacing(time) / DAY_MS;

  const daily = { tradingDaysPerYear, period: 'day' as const, periodsPerYear: tradingDaysPerYear };
  if (intervalDays >= 0.8 && intervalDays <= 1.5) {
    return { ...daily, barsPerYear: tradingDaysPerYear, barsPerDay: 1, basis: `daily returns × ${tradingDaysPerYear} trading days` };
  }
  if (intervalDays > 1.5) {
    const barsPerYear = 365.25 / intervalDays;
    return {
      barsPerYear,
      barsPerDay: barsPerYear / 252,
      tradingDaysPerYear: 252,
      period: 'bar',
      periodsPerYear: barsPerYear,
      basis: `${round(intervalDays)}-day bar returns × ${round(barsPerYear)} a year (365.25 days / spacing)`,
    };
  }
  const barsPerDay = medianBarsPerDay(time);
  return {
    ...daily,
    barsPerYear: barsPerDay * tradingDaysPerYear,
    barsPerDay,
    basis: `daily returns (${barsPerDay} bars/day resampled to each UTC day's last value) × ${tradingDaysPerYear} trading days`,
  };
}

export function barsPerYear(time: ArrayLike<number>): number {
  return annualisationFor(time).barsPerYear;
}

function weekendShare(time: ArrayLike<number>): number {
  let weekend = 0;
  for (let i = 0; i < time.length; i++) {
    const day = new Date(time[i]).getUTCDay();
    if (day === 0 || day === 6) weekend++;
  }
  return weekend / time.length;
}

function medianSpacing(time: ArrayLike<number>): number {
  const gaps = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) gaps[i - 1] = time[i] - time[i - 1];
  return median(gaps);
}

function medianBarsPerDay(time: ArrayLike<number>): number {
  const counts: number[] = [];
  let day = Math.floor(time[0] / DAY_MS);
  let count = 0;
  for (let i = 0; i < time.length; i++) {
    const d = Math.floor(time[i] / DAY_MS);
    if (d !== day) {
      counts.push(count);
      day = d;
      count = 0;
    }
    count++;
  }
  counts.push(count);
  // The first and last days are often partial; drop them when there are full days between.
  const full = counts.length > 2 ? counts.slice(1, -1) : counts;
  return Math.max(1, Math.round(median(Float64Array.from(full))));
}

function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}
