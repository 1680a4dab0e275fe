/**
 * A synthetic portfolio: several assets moved by one market. The market's regime (bull, bear,
 * sideways, from sampleData.ts) is shared; each bar's shocks mix a common factor with the asset's own
 * noise, z_i = √ρ · f + √(1 − ρ) · e_i, so any two assets' shocks have correlation ρ within a regime
 * (a one-factor model). Optional gaps remove short runs of bars so alignment has something to do.
 */
import type { Bars } from './bars';
import { nextSampleRegime, nextSampleTime, sampleRegimes, writeSampleBar, type BarShocks, type SampleColumns } from './sampleData';
import { createRng } from '../random/rng';

export interface PortfolioSampleConfig {
  /** Number of assets (1 … 50), named ASSET-A, ASSET-B, … */
  assets: number;
  /** Bars per asset before gaps are removed. */
  bars: number;
  /** Seed of the generator; the same seed gives the same portfolio. */
  seed: number;
  /** Spacing of bars in ms (daily bars skip weekends). */
  intervalMs: number;
  /** Time of the first bar, epoch ms UTC. */
  startTime: number;
  /** Correlation of any two assets' shocks within a regime, 0 … 1: the weight of the common factor. */
  correlation: number;
  /** Share of bars, 0 … 0.5, removed from every asset but the first, in runs of 1–3 bars (never its first or last bar). */
  gaps: number;
}

export const DEFAULT_PORTFOLIO_SAMPLE_CONFIG: PortfolioSampleConfig = {
  assets: 3,
  bars: 5000,
  seed: 42,
  intervalMs: 86_400_000,
  startTime: Date.UTC(2005, 0, 3),
  correlation: 0.5,
  gaps: 0,
};

export interface PortfolioSampleAsset {
  name: string;
  bars: Bars;
}

/** "ASSET-A" … "ASSET-Z", then "ASSET-AA", like spreadsheet columns. */
export function sampleAssetName(index: number): string {
  let letters = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) letters = String.fromCharCode(65 + ((i - 1) % 26)) + letters;
  return `ASSET-${letters}`;
}

/** Deterministic correlated regime-switching OHLCV series, one per asset. */
export function generatePortfolioSample(config: Partial<PortfolioSampleConfig> = {}): PortfolioSampleAsset[] {
  const cfg = { ...DEFAULT_PORTFOLIO_SAMPLE_CONFIG, ...config };
  checkConfig(cfg);
  const n = cfg.bars;
  const market = createRng(cfg.seed);
  const assetSeeds = Array.from({ length: cfg.assets }, () => market.int(0, 0x7fffffff));
  const gapSeeds = Array.from({ length: cfg.assets }, () => market.int(0, 0x7fffffff));

  // The market: one regime path and two factor shocks (gap, close) per bar, shared by every asset.
  const regimePath = new Uint8Array(n);
  const factorGap = new Float64Array(n);
  const factorClose = new Float64Array(n);
  const regimes = sampleRegimes(cfg.intervalMs);
  let regime = 0;
  for (let i = 0; i < n; i++) {
    regime = nextSampleRegime(regime, regimes, market);
    regimePath[i] = regime;
    factorGap[i] = market.normal();
    factorClose[i] = market.normal();
  }

  const common = Math.sqrt(cfg.correlation);
  const own = Math.sqrt(1 - cfg.correlation);
  return assetSeeds.map((seed, a) => {
    const rng = createRng(seed);
    // Each asset swings more or less than the market and starts at its own price.
    const volatilityScale = 0.6 + rng.next();
    const startPrice = Math.round(20 + 280 * rng.next());
    const assetRegimes = regimes.map((r) => ({ ...r, volatility: r.volatility * volatilityScale }));
    let bar = 0;
    const shocks: BarShocks = {
      gap: () => common * factorGap[bar] + own * rng.normal(),
      close: () => common * factorClose[bar] + own * rng.normal(),
    };
    const out: SampleColumns = {
      time: new Float64Array(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    let t = cfg.startTime;
    let prevClose = startPrice;
    for (bar = 0; bar < n; bar++) {
      prevClose = writeSampleBar(out, bar, t, prevClose, assetRegimes[regimePath[bar]], rng, shocks);
      t = nextSampleTime(t, cfg.intervalMs);
    }
    const bars = a === 0 || cfg.gaps === 0 ? out : withoutGaps(out, cfg.gaps, gapSeeds[a]);
    return { name: sampleAssetName(a), bars };
  });
}

function checkConfig(cfg: PortfolioSampleConfig): void {
  const bad = (field: string, rule: string) => new RangeError(`generatePortfolioSample: ${field} must be ${rule}.`);
  if (!Number.isInteger(cfg.assets) || cfg.assets < 1 || cfg.assets > 50) throw bad('assets', 'a whole number from 1 to 50');
  if (!Number.isInteger(cfg.bars) || cfg.bars < 2) throw bad('bars', 'a whole number of at least 2');
  if (!(cfg.intervalMs > 0)) throw bad('intervalMs', 'positive');
  if (!(cfg.correlation >= 0 && cfg.correlation <= 1)) throw bad('correlation', 'from 0 to 1');
  if (!(cfg.gaps >= 0 && cfg.gaps <= 0.5)) throw bad('gaps', 'a share from 0 to 0.5');
}

/**
 * The bars with runs of 1–3 removed, each run followed by a kept bar. A run starts at a bar with
 * probability q and then covers 3 bars on average of which 2 are removed, so the removed share is
 * 2q / (1 + 2q); q = g / (2 (1 − g)) makes it g.
 */
function withoutGaps(bars: SampleColumns, share: number, seed: number): Bars {
  const rng = createRng(seed);
  const n = bars.time.length;
  const keep = new Uint8Array(n).fill(1);
  const start = share / (2 * (1 - share));
  let kept = n;
  for (let i = 1; i < n - 1; i++) {
    if (rng.next() >= start) continue;
    const run = Math.min(1 + rng.int(0, 3), n - 1 - i);
    keep.fill(0, i, i + run);
    kept -= run;
    i += run;
  }
  const pick = (column: Float64Array) => {
    const picked = new Float64Array(kept);
    for (let i = 0, k = 0; i < n; i++) if (keep[i] === 1) picked[k++] = column[i];
    return picked;
  };
  return {
    time: pick(bars.time),
    open: pick(bars.open),
    high: pick(bars.high),
    low: pick(bars.low),
    close: pick(bars.close),
    volume: pick(bars.volume),
  };
}
