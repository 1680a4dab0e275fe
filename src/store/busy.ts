import { isTrainingBusy, useTrainingStore } from './trainingStore';
import { isWalkForwardBusy, useWalkForwardStore } from './walkForwardStore';

/**
 * The one answer to "is the worker busy training?": a training run or a walk-forward is going. Every
 * panel that must wait (settings, Start buttons, resume) reads this.
 */
export function useLabBusy(): { training: boolean; walkForward: boolean; any: boolean } {
  const training = useTrainingStore(isTrainingBusy);
  const walkForward = useWalkForwardStore((s) => isWalkForwardBusy(s.status));
  return { training, walkForward, any: training || walkForward };
}
