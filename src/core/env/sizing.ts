import { barsPerYear } from '../backtest/annualisation';
import { atrRatio } from '../features/indicators';
import { KELLY_MIN_TRADES, type EnvConfig } from './config';
import { HOLD, LONG, REDUCE, SHORT, type MarketData } from './observation';

/** The smallest Kelly size: with no estimated edge, trades keep being sampled so the estimate can recover. */
export const KELLY_FLOOR = 0.01;

/**
 * The equity fraction a new position of the basic set takes at each decision bar, for the sizings
 * that depend only on the market (atr, vol-target); null for fixed and kelly. Both use bars ≤ t only.
 *
 * - atr: the portfolio seed's PositionSizer: lose riskPerTrade of equity if price moves atrMultiple ×
 *   ATR(14) against the position, so fraction = riskPerTrade / (atrMultiple · ATR_t / close_t).
 * - vol-target: fraction = targetVolatility / σ_t, σ_t the annualised standard deviation (ddof 1) of
 *   the last forecastWindow log returns, annualised with the data's bars per year.
 *
 * Both are capped at maxLeverage. Where the input is not yet defined (the first bars) the fixed
 * positionFraction applies.
 */
export function marketSizeSeries(cfg: EnvConfig, data: MarketData): Float64Array | null {
  if (cfg.sizing === 'atr') return atrSizes(cfg, data);
  if (cfg.sizing === 'vol-target') return volTargetSizes(cfg, data);
  return null;
}

function atrSizes(cfg: EnvConfig, data: MarketData): Float64Array {
  const close = data.close;
  // Without highs and lows the true range is the close-to-close move.
  const ratio = atrRatio(data.high ?? close, data.low ?? close, close, 14);
  const out = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) {
    const stop = cfg.atrMultiple * ratio[t];
    out[t] = Number.isFinite(stop) && stop > 0 ? Math.min(cfg.maxLeverage, cfg.riskPerTrade / stop) : cfg.positionFraction;
  }
  return out;
}

function volTargetSizes(cfg: EnvConfig, data: MarketData): Float64Array {
  const close = data.close;
  const n = close.length;
  const w = cfg.forecastWindow;
  const annualise = Math.sqrt(barsPerYear(data.time));
  const out = new Float64Array(n).fill(cfg.positionFraction);
  let sum = 0;
  let sq = 0;
  const r = new Float64Array(n);
  for (let t = 1; t < n; t++) {
    r[t] = Math.log(close[t] / close[t - 1]);
    sum += r[t];
    sq += r[t] * r[t];
    if (t > w) {
      sum -= r[t - w];
      sq -= r[t - w] * r[t - w];
    }
    if (t < w) continue;
    const variance = Math.max(0, (sq - (sum * sum) / w) / (w - 1));
    const sigma = Math.sqrt(variance) * annualise;
    out[t] = sigma > 0 ? Math.min(cfg.maxLeverage, cfg.targetVolatility / sigma) : cfg.maxLeverage;
  }
  return out;
}

/**
 * Fractional Kelly from a rolling window of past closed trades' net returns r (per unit of notional):
 * the growth-optimal fraction of a bet with these returns is f* = mean(r) / mean(r²) (Thorp 2006,
 * the continuous approximation), and the position takes kellyCap · f*, between KELLY_FLOOR and
 * maxLeverage. With fewer than KELLY_MIN_TRADES trades it is null: the caller sizes at the fixed
 * fraction and says so.
 */
export function kellyFraction(
  outcomes: Float64Array,
  offset: number,
  count: number,
  cfg: Pick<EnvConfig, 'kellyCap' | 'maxLeverage'>,
): number | null {
  if (count < KELLY_MIN_TRADES) return null;
  let mean = 0;
  let meanSq = 0;
  for (let k = offset; k < offset + count; k++) {
    mean += outcomes[k];
    meanSq += outcomes[k] * outcomes[k];
  }
  mean /= count;
  meanSq /= count;
  const full = meanSq > 0 ? mean / meanSq : 0;
  return Math.min(cfg.maxLeverage, Math.max(KELLY_FLOOR, cfg.kellyCap * full));
}

/** True when a config's positions may exceed equity: borrowing is charged and margin calls apply. */
export function borrows(cfg: Pick<EnvConfig, 'actionSet' | 'maxPosition' | 'maxLeverage' | 'sizing'>): boolean {
  return cfg.actionSet === 'sized' ? cfg.maxPosition > 1 : cfg.sizing !== 'fixed' && cfg.maxLeverage > 1;
}

/**
 * The equity fraction a new basic-set position would take at bar t, for predictions: the market
 * sizings' value at t, else the fixed fraction (a Kelly estimate lives in the environment's trade
 * record, which a prediction does not have).
 */
export function newPositionSize(cfg: EnvConfig, data: MarketData, t: number): number {
  const series = cfg.actionSet === 'basic' ? marketSizeSeries(cfg, data) : null;
  return series ? series[t] : cfg.positionFraction;
}

/** Signed position value over equity after an action executes at the same price, costs aside. */
export function exposureAfter(cfg: EnvConfig, action: number, exposure: number, basicSize: number): number {
  if (action === HOLD) return exposure;
  if (cfg.actionSet === 'basic') {
    const direction = action === LONG ? 1 : -1;
    return Math.sign(exposure) === -direction ? 0 : direction * basicSize;
  }
  switch (action) {
    case LONG:
      return exposure < 0 ? cfg.sliceFraction : exposure + cfg.sliceFraction;
    case SHORT:
      return exposure > 0 ? -cfg.sliceFraction : exposure - cfg.sliceFraction;
    case REDUCE:
      return exposure / 2;
    default:
      return 0;
  }
}

const pct = (x: number): string => `${+(x * 100).toFixed(2)} %`;

/** How a config sizes positions, in words, for the assumptions beside every result. */
export function describeSizing(cfg: EnvConfig): string {
  if (cfg.actionSet === 'sized')
    return `slices of ${pct(cfg.sliceFraction)} of equity up to ${pct(cfg.maxPosition)}, ${cfg.flattenCooldown}-bar cool-down after FLATTEN`;
  const cap = cfg.maxLeverage > 1 ? `, up to ${cfg.maxLeverage}× equity` : ', up to 1× equity';
  switch (cfg.sizing) {
    case 'fixed':
      return `${(cfg.positionFraction * 100).toFixed(0)} % of equity per position`;
    case 'atr':
      return `ATR sizing: ${pct(cfg.riskPerTrade)} of equity at risk per ${cfg.atrMultiple} × ATR(14) stop${cap}`;
    case 'kelly':
      return `${cfg.kellyCap} × Kelly from the last ${cfg.kellyWindow} trades (${(cfg.positionFraction * 100).toFixed(0)} % until ${KELLY_MIN_TRADES} trades)${cap}`;
    case 'vol-target':
      return `volatility target ${pct(cfg.targetVolatility)} a year over ${cfg.forecastWindow} bars${cap}`;
  }
}

export function describeLeverage(cfg: EnvConfig): string | null {
  if (!borrows(cfg)) return null;
  return `borrowing ${+(cfg.borrowRatePerBar * 100).toFixed(4)} % a bar on the part above equity, margin call below ${pct(cfg.maintenanceMargin)} margin`;
}

export function describeSession(cfg: EnvConfig): string {
  const rules = [
    `session ${cfg.session} ${cfg.timeZone}`,
    ...(cfg.noEntryMinutes > 0 ? [`no entries in its last ${cfg.noEntryMinutes} min`] : []),
    ...(cfg.flattenAtClose ? ['flat at its close'] : []),
  ];
  return rules.join(', ');
}

export function kellyFallbackNote(orders: number): string {
  return `${orders} order${orders === 1 ? ' was' : 's were'} sized at the fixed fraction: Kelly needs ${KELLY_MIN_TRADES} closed trades first.`;
}
