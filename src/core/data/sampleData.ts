import type { Bars } from './bars';
import { createRng } from '../random/rng';

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

interface Regime {
  name: string;
  drift: number; // mean log return per bar
  volatility: number; // std of log return per bar
  stay: number; // probability of staying in the regime each bar
  volume: number; // mean volume
}

// Bull, bear and sideways regimes; persistence makes trends an agent can learn to ride.
const REGIMES: Regime[] = [
  { name: 'bull', drift: 0.0008, volatility: 0.009, stay: 0.985, volume: 1_000_000 },
  { name: 'bear', drift: -0.001, volatility: 0.018, stay: 0.97, volume: 1_800_000 },
  { name: 'sideways', drift: 0.0, volatility: 0.006, stay: 0.98, volume: 700_000 },
];

const DAY_MS = 86_400_000;

/** A deterministic regime-switching OHLCV series. */
export function generateSampleBars(config: Partial<SampleDataConfig> = {}): Bars {
  const cfg = { ...DEFAULT_SAMPLE_CONFIG, ...config };
  const rng = createRng(cfg.seed);
  const n = cfg.bars;
  const time = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);

  // The regimes are calibrated per day; other bar sizes keep their daily drift, volatility and
  // persistence (drift ∝ Δt, volatility ∝ √Δt, stay^Δt), so minute bars look like minute bars.
  const days = cfg.intervalMs / DAY_MS;
  const scaled = REGIMES.map((r) => ({
    ...r,
    drift: r.drift * days,
    volatility: r.volatility * Math.sqrt(days),
    stay: r.stay ** days,
    volume: r.volume * days,
  }));
  let regime = 0;
  let t = cfg.startTime;
  let prevClose = cfg.startPrice;
  for (let i = 0; i < n; i++) {
    if (rng.next() > scaled[regime].stay) regime = (regime + 1 + rng.int(0, REGIMES.length - 1)) % REGIMES.length;
    const r = scaled[regime];
    const gap = r.volatility * 0.2 * rng.normal();
    const o = prevClose * Math.exp(gap);
    const c = o * Math.exp(r.drift + r.volatility * rng.normal());
    const wick = r.volatility * 0.5;
    const h = Math.max(o, c) * Math.exp(Math.abs(wick * rng.normal()));
    const l = Math.min(o, c) * Math.exp(-Math.abs(wick * rng.normal()));
    time[i] = t;
    open[i] = round4(o);
    high[i] = round4(h);
    low[i] = round4(l);
    close[i] = round4(c);
    const move = Math.abs(Math.log(c / prevClose)) / r.volatility;
    volume[i] = Math.round(r.volume * Math.exp(0.3 * rng.normal()) * (1 + 0.5 * move));
    prevClose = c;
    t = nextTime(t, cfg.intervalMs);
  }
  return { time, open, high, low, close, volume };
}

function nextTime(t: number, intervalMs: number): number {
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
