import { isTrainingBusy, useTrainingStore } from './trainingStore';
import { isWalkForwardBusy, useWalkForwardStore } from './walkForwardStore';
import { isPortfolioBusy, usePortfolioStore } from './portfolioStore';
import { isSweepBusy, useSweepStore } from './sweepStore';

/**
 * The one answer to "is the worker busy training?": a training run, a walk-forward, a portfolio run or
 * a sweep is going (they share the worker's one run control). Every panel that must wait (settings,
 * Start buttons, resume) reads this.
 */
export function useLabBusy(): { training: boolean; walkForward: boolean; portfolio: boolean; sweep: boolean; any: boolean } {
  const training = useTrainingStore(isTrainingBusy);
  const walkForward = useWalkForwardStore((s) => isWalkForwardBusy(s.status));
  const portfolio = usePortfolioStore((s) => isPortfolioBusy(s.status));
  const sweep = useSweepStore((s) => isSweepBusy(s.status));
  return { training, walkForward, portfolio, sweep, any: training || walkForward || portfolio || sweep };
}
