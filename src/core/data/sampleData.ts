import type { Bars } from './bars';
import { createRng, type Rng } from '../random/rng';

/** Settings of the synthetic market: a hidden Markov regime drives drift and volatility. */
export interface SampleDataConfig {
  /** Number of bars to generate. */
  bars: number;
  /** Seed of the generator; the same seed gives the same series. */
  seed: number;
  /** Time of the first bar, epoch ms UTC. */
  startTime: number;
  /** Spacing of bars in ms (daily bars skip weekends). */
  intervalMs: number;
  /** Price of the first bar. */
  startPrice: number;
}

export const DEFAULT_SAMPLE_CONFIG: SampleDataConfig = {
  bars: 5000,
  seed: 42,
  startTime: Date.UTC(2005, 0, 3),
  intervalMs: 86_400_000,
  startPrice: 100,
};

/** One market regime's parameters per bar. */
export interface SampleRegime {
  name: string;
  drift: number; // mean log return per bar
  volatility: number; // std of log return per bar
  stay: number; // probability of staying in the regime each bar
  volume: number; // mean volume
}

// Bull, bear and sideways regimes; persistence makes trends an agent can learn to ride.
const REGIMES: SampleRegime[] = [
  { name: 'bull', drift: 0.0008, volatility: 0.009, stay: 0.985, volume: 1_000_000 },
  { name: 'bear', drift: -0.001, volatility: 0.018, stay: 0.97, volume: 1_800_000 },
  { name: 'sideways', drift: 0.0, volatility: 0.006, stay: 0.98, volume: 700_000 },
];

const DAY_MS = 86_400_000;

/**
 * The regimes for bars of `intervalMs`. They are calibrated per day; other bar sizes keep their daily
 * drift, volatility and persistence (drift ∝ Δt, volatility ∝ √Δt, stay^Δt), so minute bars look like minute bars.
 */
export function sampleRegimes(intervalMs: number): SampleRegime[] {
  const days = intervalMs / DAY_MS;
  return REGIMES.map((r) => ({
    ...r,
    drift: r.drift * days,
    volatility: r.volatility * Math.sqrt(days),
    stay: r.stay ** days,
    volume: r.volume * days,
  }));
}

/** The regime of the next bar: stay with probability `stay`, else move to one of the others at random. */
export function nextSampleRegime(regime: number, regimes: SampleRegime[], rng: Rng): number {
  return rng.next() > regimes[regime].stay ? (regime + 1 + rng.int(0, regimes.length - 1)) % regimes.length : regime;
}

/** Columns a generator writes into, one slot per bar. */
export interface SampleColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Standard normal shocks of a bar's opening gap and close; a portfolio mixes a common factor into them. */
export interface BarShocks {
  gap(): number;
  close(): number;
}

/**
 * Writes bar i after a close of `prevClose`: an opening gap, a close at log return drift + volatility ×
 * shock, wicks beyond both, and a volume that grows with the move. Returns the unrounded close.
 */
export function writeSampleBar(
  out: SampleColumns,
  i: number,
  time: number,
  prevClose: number,
  r: SampleRegime,
  rng: Rng,
  shocks: BarShocks,
): number {
  const gap = r.volatility * 0.2 * shocks.gap();
  const o = prevClose * Math.exp(gap);
  const c = o * Math.exp(r.drift + r.volatility * shocks.close());
  const wick = r.volatility * 0.5;
  const h = Math.max(o, c) * Math.exp(Math.abs(wick * rng.normal()));
  const l = Math.min(o, c) * Math.exp(-Math.abs(wick * rng.normal()));
  out.time[i] = time;
  out.open[i] = round4(o);
  out.high[i] = round4(h);
  out.low[i] = round4(l);
  out.close[i] = round4(c);
  const move = Math.abs(Math.log(c / prevClose)) / r.volatility;
  out.volume[i] = Math.round(r.volume * Math.exp(0.3 * rng.normal()) * (1 + 0.5 * move));
  return c;
}

/** A deterministic regime-switching OHLCV series. */
export function generateSampleBars(config: Partial<SampleDataConfig> = {}): Bars {
  const cfg = { ...DEFAULT_SAMPLE_CONFIG, ...config };
  const rng = createRng(cfg.seed);
  const n = cfg.bars;
  const out: SampleColumns = {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  const regimes = sampleRegimes(cfg.intervalMs);
  const shocks: BarShocks = { gap: () => rng.normal(), close: () => rng.normal() };
  let regime = 0;
  let t = cfg.startTime;
  let prevClose = cfg.startPrice;
  for (let i = 0; i < n; i++) {
    regime = nextSampleRegime(regime, regimes, rng);
    prevClose = writeSampleBar(out, i, t, prevClose, regimes[regime], rng, shocks);
    t = nextSampleTime(t, cfg.intervalMs);
  }
  return out;
}

/** The time of the bar after `t`; daily bars skip Saturday and Sunday. */
export function nextSampleTime(t: number, intervalMs: number): number {
  let next = t + intervalMs;
  if (intervalMs === DAY_MS) {
    const weekday = new Date(next).getUTCDay();
    if (weekday === 6) next += 2 * DAY_MS;
    else if (weekday === 0) next += DAY_MS;
  }
  return next;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** CSV text in the Yahoo daily layout (Date,Open,High,Low,Close,Volume), ISO dates or datetimes. */
export function barsToCsv(bars: Bars): string {
  const n = bars.close.length;
  const intraday = n > 1 && bars.time[1] - bars.time[0] < DAY_MS;
  const lines: string[] = [bars.volume ? 'Date,Open,High,Low,Close,Volume' : 'Date,Open,High,Low,Close'];
  for (let i = 0; i < n; i++) {
    const iso = new Date(bars.time[i]).toISOString();
    const stamp = intraday ? iso.slice(0, 19).replace('T', ' ') : iso.slice(0, 10);
    const cells = [stamp, bars.open[i], bars.high[i], bars.low[i], bars.close[i]];
    if (bars.volume) cells.push(bars.volume[i]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}
