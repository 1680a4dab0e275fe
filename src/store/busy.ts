import { isTrainingBusy, useTrainingStore } from './trainingStore';
import { isWalkForwardBusy, useWalkForwardStore } from './walkForwardStore';
import { isPortfolioBusy, usePortfolioStore } from './portfolioStore';

/**
 * The one answer to "is the worker busy training?": a training run, a walk-forward or a portfolio run
 * is going (they share the worker's one run control). Every panel that must wait (settings, Start
 * buttons, resume) reads this.
 */
export function useLabBusy(): { training: boolean; walkForward: boolean; portfolio: boolean; any: boolean } {
  const training = useTrainingStore(isTrainingBusy);
  const walkForward = useWalkForwardStore((s) => isWalkForwardBusy(s.status));
  const portfolio = usePortfolioStore((s) => isPortfolioBusy(s.status));
  return { training, walkForward, portfolio, any: training || walkForward || portfolio };
}
