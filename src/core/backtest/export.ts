import { ACTION_NAMES } from '../env/tradingEnv';
import type { BacktestResult } from './runner';
import type { Trade } from './types';

/** One row per bar: time (ISO, UTC), close, equity, position held after the bar, executed action. */
export function equityCsv(result: BacktestResult): string {
  const lines = ['time,close,equity,position,action'];
  for (let i = 0; i < result.equity.length; i++) {
    lines.push(
      `${new Date(result.time[i]).toISOString()},${result.close[i]},${result.equity[i].toFixed(4)},${result.position[i]},${result.actions[i] < 0 ? '' : ACTION_NAMES[result.actions[i]]}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** One row per round trip, returns net of costs. */
export function tradesCsv(trades: Trade[]): string {
  const lines = ['direction,entry_time,exit_time,entry_price,exit_price,return_pct,bars_held'];
  for (const t of trades) {
    lines.push(
      `${t.direction === 1 ? 'long' : 'short'},${new Date(t.entryTime).toISOString()},${new Date(t.exitTime).toISOString()},${t.entryPrice},${t.exitPrice},${t.returnPct.toFixed(4)},${t.barsHeld}`,
    );
  }
  return lines.join('\n') + '\n';
}
