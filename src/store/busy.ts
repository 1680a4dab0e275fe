import { isTrainingBusy, useTrainingStore } from './trainingStore';
import { isWalkForwardBusy, useWalkForwardStore } from './walkForwardStore';
import { isSweepBusy, useSweepStore } from './sweepStore';

/**
 * The one answer to "is the worker busy training?": a training run, a walk-forward or a sweep is going. Every
 * panel that must wait (settings, Start buttons, resume) reads this.
 */
export function useLabBusy(): { training: boolean; walkForward: boolean; sweep: boolean; any: boolean } {
  const training = useTrainingStore(isTrainingBusy);
  const walkForward = useWalkForwardStore((s) => isWalkForwardBusy(s.status));
  const sweep = useSweepStore((s) => isSweepBusy(s.status));
  return { training, walkForward, sweep, any: training || walkForward || sweep };
}
