import type { EnvConfig } from './config';

export const HOLD = 0;
export const BUY = 1;
export const SELL = 2;
export const NUM_ACTIONS = 3;
export const ACTION_NAMES = ['Hold', 'Buy', 'Sell'] as const;

/** Account features appended to every observation window, in this order. */
export const ACCOUNT_FEATURES = ['equityChange', 'position', 'unrealizedPnl'] as const;

/** What the environment trades: scaled features and the prices they came from, bar for bar. */
export interface MarketData {
  /** Scaled features, row-major rows × featureCount; row t describes bar t. */
  features: Float32Array;
  featureCount: number;
  close: Float64Array;
  /** Opening prices, needed when orders fill at the next bar's open. */
  open?: Float64Array;
  time: Float64Array;
  /** Per-bar state appended after the account features (the Enhanced variant's regimes), rows × count. */
  context?: { values: Float32Array; count: number };
  /** 1 on bars in the high-volatility regime; used by the blockHighVolatility mask. */
  highVolatility?: Uint8Array;
}

/** The account as an observation and its action mask see it at one decision bar. */
export interface AccountView {
  /** Equity over initial capital − 1. */
  equityChange: number;
  /** −1 short, 0 flat, 1 long. */
  position: number;
  /** Fill price of the open position (ignored when flat). */
  entryPrice: number;
  /** Bars the open position has been held. */
  heldBars: number;
  /** False once the account is ruined (equity 0): it may not open anything. */
  solvent: boolean;
  /** False while the drawdown risk mask blocks new exposure. */
  withinDrawdownLimit: boolean;
}

/** Observation size for a market and lookback: the window, the account features, the context. */
export function observationSize(data: Pick<MarketData, 'featureCount' | 'context'>, lookback: number): number {
  return lookback * data.featureCount + ACCOUNT_FEATURES.length + (data.context?.count ?? 0);
}

/**
 * The observation at decision bar t: bars t − lookback + 1 … t of scaled features, then the account
 * (equity change, position, unrealised PnL at close[t]), then the bar's context. The one definition
 * the environment, backtests and predictions share.
 */
export function writeObservation(
  out: Float32Array,
  offset: number,
  data: MarketData,
  lookback: number,
  t: number,
  account: AccountView,
): void {
  const f = data.featureCount;
  const first = t - lookback + 1;
  out.set(data.features.subarray(first * f, (t + 1) * f), offset);
  const a = offset + lookback * f;
  const price = data.close[t];
  out[a] = account.equityChange;
  out[a + 1] = account.position;
  out[a + 2] = account.position === 0 ? 0 : (account.position * (price - account.entryPrice)) / account.entryPrice;
  const context = data.context;
  if (context) out.set(context.values.subarray(t * context.count, (t + 1) * context.count), a + ACCOUNT_FEATURES.length);
}

/**
 * Valid actions at decision bar t, 1 = allowed. Hold always is. Buy opens a long (flat) or closes a
 * short; Sell opens a short (flat, not long-only) or closes a long. Closing waits minHoldingBars;
 * opening needs a solvent account within the drawdown limit and, with blockHighVolatility, a bar
 * outside the high-volatility regime.
 */
export function writeActionMask(out: Uint8Array, offset: number, cfg: EnvConfig, data: MarketData, t: number, account: AccountView): void {
  const pos = account.position;
  const mayClose = account.heldBars >= cfg.minHoldingBars;
  const calmEnough = !cfg.blockHighVolatility || !data.highVolatility || data.highVolatility[t] === 0;
  const mayOpen = calmEnough && account.solvent && account.withinDrawdownLimit;
  out[offset + HOLD] = 1;
  out[offset + BUY] = pos === 1 ? 0 : pos === -1 ? (mayClose ? 1 : 0) : mayOpen ? 1 : 0;
  out[offset + SELL] = pos === -1 ? 0 : pos === 1 ? (mayClose ? 1 : 0) : !cfg.longOnly && mayOpen ? 1 : 0;
}
