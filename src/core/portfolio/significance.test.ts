import { describe, expect, it } from 'vitest';
import { probabilisticSharpe } from '../evaluation/sharpeTests';
import { portfolioSignificance } from './significance';
import type { PortfolioBacktest } from './runner';

const DAY = 86_400_000;

function backtest(returns: number[]): PortfolioBacktest {
  const equity = [10_000];
  for (const r of returns) equity.push(equity[equity.length - 1] * (1 + r));
  return {
    equity: Float64Array.from(equity),
    time: Float64Array.from(equity, (_, k) => Date.UTC(2024, 0, 1) + k * DAY),
  } as PortfolioBacktest;
}

describe('portfolioSignificance', () => {
  const agent = Array.from({ length: 60 }, (_, k) => 0.004 + 0.01 * Math.sin(k * 1.3));
  const equal = Array.from({ length: 60 }, (_, k) => 0.001 + 0.01 * Math.cos(k * 0.7));

  it("tests the agent's daily returns against zero and against 1/N's Sharpe ratio", () => {
    const s = portfolioSignificance(backtest(agent), backtest(equal), 5);
    const returns = Float64Array.from(agent);
    const benchmark = probabilisticSharpe(Float64Array.from(equal)).sharpe!;
    expect(s.periods).toBe(60);
    expect(s.psr).toBeCloseTo(probabilisticSharpe(returns).psr!, 12);
    expect(s.psrVsEqualWeight).toBeCloseTo(probabilisticSharpe(returns, benchmark).psr!, 12);
    expect(s.trials).toBe(5);
    expect(s.verdict).toMatch(/^Edge over 1\/N: (significant|not significant) \(/);
  });

  it('is undetermined on too short a run', () => {
    const s = portfolioSignificance(backtest(agent.slice(0, 5)), backtest(equal.slice(0, 5)), 1);
    expect(s.psr).toBeNull();
    expect(s.verdict).toMatch(/^Edge over 1\/N: undetermined \(5 return periods/);
  });
});
