import type { ActionSet, EnvConfig } from './config';

export const HOLD = 0;
export const BUY = 1;
export const SELL = 2;
/** Actions of the basic set. */
export const NUM_ACTIONS = 3;
export const ACTION_NAMES = ['Hold', 'Buy', 'Sell'] as const;

/** The sized set (RL v3): indices 0 … 5. */
export const LONG = 1;
export const SHORT = 2;
export const REDUCE = 3;
export const CLOSE = 4;
export const FLATTEN = 5;
export const SIZED_ACTION_NAMES = ['HOLD', 'LONG', 'SHORT', 'REDUCE', 'CLOSE', 'FLATTEN'] as const;

export function actionNames(actionSet: ActionSet): readonly string[] {
  return actionSet === 'sized' ? SIZED_ACTION_NAMES : ACTION_NAMES;
}

export function actionCount(actionSet: ActionSet): number {
  return actionSet === 'sized' ? SIZED_ACTION_NAMES.length : NUM_ACTIONS;
}

/** Account features appended to every observation window of the basic set with fixed sizing, in this order. */
export const ACCOUNT_FEATURES = ['equityChange', 'position', 'unrealizedPnl'] as const;

/** Regime labels of the RL v3 reward (features/tradeRegimes.ts), one-hot in the observation when asked for. */
export const REGIME_LABEL_COUNT = 4;

type ObservationConfig = Pick<EnvConfig, 'lookback' | 'actionSet' | 'sizing' | 'regimeLabels'>;

/**
 * The account features an observation carries: the basic three, and the signed position size (a
 * fraction of equity) whenever sizes vary, so the basic set with fixed sizing observes exactly
 * what it always has.
 */
export function accountFeatures(cfg: Pick<EnvConfig, 'actionSet' | 'sizing'>): readonly string[] {
  return cfg.actionSet === 'sized' || cfg.sizing !== 'fixed' ? [...ACCOUNT_FEATURES, 'positionSize'] : ACCOUNT_FEATURES;
}

/** Values after the window: account features, the bar's context (Enhanced regimes), the regime one-hot. */
export function stateSize(cfg: Pick<EnvConfig, 'actionSet' | 'sizing' | 'regimeLabels'>, contextCount: number): number {
  return accountFeatures(cfg).length + contextCount + (cfg.regimeLabels ? REGIME_LABEL_COUNT : 0);
}

/** Per-bar session flags (env/session.ts), present when the config has a session and the data is intraday. */
export interface SessionFlags {
  inSession: Uint8Array;
  entryAllowed: Uint8Array;
  lastOfSession: Uint8Array;
}

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
  /** High and low prices, for ATR sizing (without them ATR falls back to close-to-close ranges). */
  high?: Float64Array;
  low?: Float64Array;
  /** RL v3 regime label (0 … 3) and its direction (−1, 0, 1) per bar, causal. */
  tradeRegimes?: { label: Uint8Array; direction: Int8Array };
  session?: SessionFlags;
}

/** The account as an observation and its action mask see it at one decision bar. */
export interface AccountView {
  /** Equity over initial capital − 1. */
  equityChange: number;
  /** −1 short, 0 flat, 1 long. */
  position: number;
  /** Signed position value over equity at the bar's close (0 when flat). */
  exposure: number;
  /** Bars of a FLATTEN cool-down still to run (0 = none). */
  cooldown: number;
  /** Fill price of the open position (ignored when flat). */
  entryPrice: number;
  /** Bars the open position has been held. */
  heldBars: number;
  /** False once the account is ruined (equity 0): it may not open anything. */
  solvent: boolean;
  /** False while the drawdown risk mask blocks new exposure. */
  withinDrawdownLimit: boolean;
}

/** Observation size for a market and config: the window, the account features, the context, the regime one-hot. */
export function observationSize(data: Pick<MarketData, 'featureCount' | 'context'>, cfg: ObservationConfig): number {
  return cfg.lookback * data.featureCount + stateSize(cfg, data.context?.count ?? 0);
}

/**
 * The observation at decision bar t: bars t − lookback + 1 … t of scaled features, then the account
 * (equity change, position side, unrealised PnL at close[t], and the signed size when sizes vary),
 * then the bar's context, then its regime one-hot. The one definition the environment, backtests and
 * predictions share.
 */
export function writeObservation(
  out: Float32Array,
  offset: number,
  data: MarketData,
  cfg: ObservationConfig,
  t: number,
  account: AccountView,
): void {
  const f = data.featureCount;
  const first = t - cfg.lookback + 1;
  out.set(data.features.subarray(first * f, (t + 1) * f), offset);
  let a = offset + cfg.lookback * f;
  const price = data.close[t];
  out[a++] = account.equityChange;
  out[a++] = account.position;
  out[a++] = account.position === 0 ? 0 : (account.position * (price - account.entryPrice)) / account.entryPrice;
  if (cfg.actionSet === 'sized' || cfg.sizing !== 'fixed') out[a++] = account.exposure;
  const context = data.context;
  if (context) {
    out.set(context.values.subarray(t * context.count, (t + 1) * context.count), a);
    a += context.count;
  }
  if (cfg.regimeLabels) {
    const labels = data.tradeRegimes;
    if (!labels) throw new RangeError('The observation asks for regime labels (env.regimeLabels) but the market has none.');
    out.fill(0, a, a + REGIME_LABEL_COUNT);
    out[a + labels.label[t]] = 1;
  }
}

/** The bar an order decided at t fills on; the decision bar itself when it is the data's last (predictions). */
export function fillBar(cfg: Pick<EnvConfig, 'fillAt'>, data: MarketData, t: number): number {
  return cfg.fillAt === 'nextOpen' && t + 1 < data.close.length ? t + 1 : t;
}

/**
 * Valid actions at decision bar t, 1 = allowed; HOLD always is. With a session, an order whose fill
 * bar is outside it may only hold, and one in its last noEntryMinutes may not add exposure.
 *
 * Basic set: Buy opens a long (flat) or closes a short; Sell opens a short (flat, not long-only) or
 * closes a long. Closing waits minHoldingBars; opening needs a solvent account within the drawdown
 * limit and, with blockHighVolatility, a bar outside the high-volatility regime.
 *
 * Sized set: LONG adds a slice (closing a short first) while the long stays within maxPosition;
 * SHORT mirrors it (never long-only); REDUCE and CLOSE need a position held minHoldingBars; FLATTEN
 * needs a position and, being the emergency exit, no holding period. LONG and SHORT also need the
 * opening conditions above and no FLATTEN cool-down.
 */
export function writeActionMask(out: Uint8Array, offset: number, cfg: EnvConfig, data: MarketData, t: number, account: AccountView): void {
  const sized = cfg.actionSet === 'sized';
  const count = sized ? SIZED_ACTION_NAMES.length : NUM_ACTIONS;
  out[offset + HOLD] = 1;
  const session = data.session;
  const f = session ? fillBar(cfg, data, t) : t;
  if (session && session.inSession[f] === 0) {
    out.fill(0, offset + 1, offset + count);
    return;
  }
  const pos = account.position;
  const mayClose = account.heldBars >= cfg.minHoldingBars;
  const calmEnough = !cfg.blockHighVolatility || !data.highVolatility || data.highVolatility[t] === 0;
  const sessionAllowsEntry = !session || session.entryAllowed[f] === 1;
  const mayOpen = calmEnough && account.solvent && account.withinDrawdownLimit && sessionAllowsEntry;
  if (!sized) {
    out[offset + BUY] = pos === 1 ? 0 : pos === -1 ? (mayClose ? 1 : 0) : mayOpen ? 1 : 0;
    out[offset + SELL] = pos === -1 ? 0 : pos === 1 ? (mayClose ? 1 : 0) : !cfg.longOnly && mayOpen ? 1 : 0;
    return;
  }
  const mayAdd = mayOpen && account.cooldown === 0;
  // 0.1 % of equity of slack, so the costs of earlier slices do not block the last one.
  const roomFor = (side: 1 | -1): boolean => side * account.exposure + cfg.sliceFraction <= cfg.maxPosition + 1e-3;
  out[offset + LONG] = mayAdd && (pos === -1 ? mayClose : roomFor(1)) ? 1 : 0;
  out[offset + SHORT] = !cfg.longOnly && mayAdd && (pos === 1 ? mayClose : roomFor(-1)) ? 1 : 0;
  out[offset + REDUCE] = pos !== 0 && mayClose ? 1 : 0;
  out[offset + CLOSE] = pos !== 0 && mayClose ? 1 : 0;
  out[offset + FLATTEN] = pos !== 0 ? 1 : 0;
}
