import { actionNames } from '../env/tradingEnv';
import type { BacktestResult } from './runner';
import type { Trade } from './types';

/**
 * One row per bar: time (ISO, UTC), close, equity, position side held after the bar, executed action,
 * the position's value over equity.
 */
export function equityCsv(result: BacktestResult): string {
  const names = actionNames(result.assumptions.actionSet ?? 'basic');
  const lines = ['time,close,equity,position,action,exposure'];
  for (let i = 0; i < result.equity.length; i++) {
    lines.push(
      `${new Date(result.time[i]).toISOString()},${result.close[i]},${result.equity[i].toFixed(4)},${result.position[i]},${result.actions[i] < 0 ? '' : names[result.actions[i]]},${result.exposure[i].toFixed(6)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** One row per round trip, returns net of costs; orders separated by spaces (e.g. "LONG LONG REDUCE CLOSE"). */
export function tradesCsv(trades: Trade[]): string {
  const lines = ['direction,entry_time,exit_time,entry_price,exit_price,return_pct,bars_held,max_exposure_pct,orders,exit_reason'];
  for (const t of trades) {
    lines.push(
      `${t.direction === 1 ? 'long' : 'short'},${new Date(t.entryTime).toISOString()},${new Date(t.exitTime).toISOString()},${t.entryPrice},${t.exitPrice},${t.returnPct.toFixed(4)},${t.barsHeld},${(t.maxExposurePct ?? 0).toFixed(2)},${(t.actions ?? []).join(' ')},${t.exitReason ?? ''}`,
    );
  }
  return lines.join('\n') + '\n';
}
