import type { EnvConfig } from '../env/config';
import { actionNames, TradingEnv, type EnvRange, type MarketData } from '../env/tradingEnv';
import { computeMetrics } from './metrics';
import { describeLeverage, describeSession, describeSizing, kellyFallbackNote } from '../env/sizing';
import type { Annualisation, BacktestMetrics, Trade } from './types';
import type { Policy } from './policy';

export interface BacktestResult {
  /** Bar index of the first decision; equity[k] is the account at bar startIndex + k. */
  startIndex: number;
  time: Float64Array;
  close: Float64Array;
  equity: Float64Array;
  /** Position held over bar k → k+1; the last entry is 0 (a position still open is closed at the end). */
  position: Int8Array;
  /** Signed position value over equity held over bar k → k+1 (at its fill); the last entry is 0. */
  exposure: Float64Array;
  /** Executed action at each decision bar, an index into the action set's names; the last bar has none (-1). */
  actions: Int8Array;
  trades: Trade[];
  metrics: BacktestMetrics;
  /** The trading assumptions behind these numbers, shown next to every result. */
  assumptions: BacktestAssumptions;
}

export interface BacktestAssumptions {
  /** Cost per side as a fraction of traded notional. */
  transactionCost: number;
  slippageBps: number;
  fillAt: EnvConfig['fillAt'];
  positionFraction: number;
  longOnly: boolean;
  // Optional: results saved before the sized set and sizing modes lack them.
  actionSet?: EnvConfig['actionSet'];
  /** How positions are sized, in words (e.g. "vol-target 15 % a year, up to 2× equity"). */
  sizing?: string;
  /** Borrowing cost and margin call, when positions may exceed equity; null otherwise. */
  leverage?: string | null;
  /** The trading session, when one applies. */
  session?: string | null;
  /** Notes on how the rules applied in this run (e.g. Kelly orders sized at the fixed fraction). */
  notes?: string[];
  /** Annual, as a fraction. */
  riskFreeRate: number;
  /** A position open at the last bar is closed there with its exit cost. */
  closedAtEnd: true;
}

/** "0.10 % cost per side, 0 bp slippage, fills at the next bar's open, …": one line for reports. */
export function describeAssumptions(a: BacktestAssumptions): string {
  const fill = a.fillAt === 'nextOpen' ? "fills at the next bar's open" : "fills at the decision bar's close";
  const parts = [
    `${(a.transactionCost * 100).toFixed(2)} % cost per side`,
    `${a.slippageBps} bp slippage`,
    fill,
    `${a.sizing ?? `${(a.positionFraction * 100).toFixed(0)} % of equity per position`}${a.longOnly ? ', long only' : ''}`,
    ...(a.leverage ? [a.leverage] : []),
    ...(a.session ? [a.session] : []),
    'open position closed at the end',
    `risk-free rate ${(a.riskFreeRate * 100).toFixed(2)} %`,
  ];
  return parts.join(', ') + (a.notes?.length ? `. ${a.notes.join(' ')}` : '');
}

/**
 * Runs a policy once over a whole range, deterministically: one env, starting at the first bar a
 * full lookback window allows, stepping to the range's last bar. Backtests never stop on bust; the
 * account trades on whatever equity it has, so a strategy's full loss is visible. A position still
 * open at the last bar is closed there with its exit cost and slippage.
 */
export async function runBacktest(
  policy: Policy,
  data: MarketData,
  range: EnvRange,
  envConfig: EnvConfig,
  annualisation: Annualisation,
  options: { riskFreeRate?: number } = {},
): Promise<BacktestResult> {
  const start = range.start + envConfig.lookback - 1;
  const steps = range.end - 1 - start;
  const cfg: EnvConfig = { ...envConfig, numEnvs: 1, episodeLength: steps, bustThreshold: 0 };
  const env = new TradingEnv(cfg, data, range, { fixedStart: start, recordTrades: true, closeAtEnd: true });
  env.reset();

  const bars = steps + 1;
  const equity = new Float64Array(bars);
  const position = new Int8Array(bars);
  const exposure = new Float64Array(bars);
  const actions = new Int8Array(bars).fill(-1);
  const chosen = new Int32Array(1);
  equity[0] = cfg.initialCapital;
  for (let k = 0; k < steps; k++) {
    await policy(env.obs, env.masks, 1, chosen, env.numActions);
    env.step(chosen);
    actions[k] = env.executed[0];
    position[k] = env.heldPosition[0];
    exposure[k] = env.heldExposure[0];
    equity[k + 1] = env.stepEquity[0];
  }

  const names = actionNames(cfg.actionSet);
  const time = data.time.slice(start, start + bars);
  const close = data.close.slice(start, start + bars);
  const trades: Trade[] = env.trades.map((t) => ({
    direction: t.direction,
    entryIndex: t.entryIndex - start,
    exitIndex: t.exitIndex - start,
    entryTime: data.time[t.entryIndex],
    exitTime: data.time[t.exitIndex],
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    returnPct: t.netReturn * 100,
    barsHeld: t.exitIndex - t.entryIndex,
    actions: t.actions.map((a) => names[a]),
    exitReason: t.exitReason,
    maxExposurePct: t.maxExposure * 100,
  }));
  const riskFreeRate = options.riskFreeRate ?? 0;
  const metrics = computeMetrics({ equity, time, close, position, trades, annualisation, riskFreeRate });
  const assumptions: BacktestAssumptions = {
    transactionCost: cfg.transactionCost,
    slippageBps: cfg.slippageBps,
    fillAt: cfg.fillAt,
    positionFraction: cfg.positionFraction,
    longOnly: cfg.longOnly,
    actionSet: cfg.actionSet,
    sizing: describeSizing(cfg),
    leverage: describeLeverage(cfg),
    session: data.session && cfg.session ? describeSession(cfg) : null,
    notes: env.kellyFallbacks > 0 ? [kellyFallbackNote(env.kellyFallbacks)] : [],
    riskFreeRate,
    closedAtEnd: true,
  };
  return { startIndex: start, time, close, equity, position, exposure, actions, trades, metrics, assumptions };
}
