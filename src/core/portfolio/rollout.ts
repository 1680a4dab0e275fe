import { computeGae } from '../ppo/buffer';

/**
 * One rollout of numSteps × numEnvs transitions with continuous actions, in flat preallocated arrays
 * (index = step·numEnvs + env; actions and observations row-major per transition). GAE is ppo/buffer.ts's.
 */
export class ContinuousRolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  /** Raw Gaussian samples u [size × actionDim], as the environment received them. */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the transition ended its episode (terminated or truncated). */
  readonly dones: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  private cursor = 0;

  constructor(
    readonly numSteps: number,
    readonly numEnvs: number,
    readonly obsSize: number,
    readonly actionDim: number,
  ) {
    this.size = numSteps * numEnvs;
    this.obs = new Float32Array(this.size * obsSize);
    this.actions = new Float32Array(this.size * actionDim);
    this.logProbs = new Float32Array(this.size);
    this.values = new Float32Array(this.size);
    this.rewards = new Float32Array(this.size);
    this.dones = new Uint8Array(this.size);
    this.advantages = new Float32Array(this.size);
    this.returns = new Float32Array(this.size);
  }

  get full(): boolean {
    return this.cursor === this.numSteps;
  }

  reset(): void {
    this.cursor = 0;
  }

  /** Index of the first transition of the current step; call before filling, then `advance`. */
  get stepOffset(): number {
    return this.cursor * this.numEnvs;
  }

  advance(): void {
    this.cursor += 1;
  }

  /** Fills advantages and returns from the rollout and the value of the observation after it. */
  computeReturnsAndAdvantages(lastValues: Float32Array, gamma: number, lambda: number): void {
    computeGae(this.rewards, this.values, this.dones, lastValues, this.numSteps, this.numEnvs, gamma, lambda, this.advantages);
    for (let i = 0; i < this.size; i++) this.returns[i] = this.advantages[i] + this.values[i];
  }
}
