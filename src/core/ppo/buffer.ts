/**
 * One rollout of numSteps × numEnvs transitions in flat, preallocated arrays (index = step·numEnvs +
 * env), and the advantages computed from it. Owns GAE, as SB3's RolloutBuffer does.
 */
export class RolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
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
    readonly numActions: number,
  ) {
    this.size = numSteps * numEnvs;
    this.obs = new Float32Array(this.size * obsSize);
    this.masks = new Uint8Array(this.size * numActions);
    this.actions = new Int32Array(this.size);
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

/**
 * Folds γ·V(final observation) into the last reward of each truncated episode, so GAE can treat
 * truncation like any other episode end while the return still counts the value that was cut off.
 */
export function bootstrapTruncated(
  rewards: Float32Array,
  offset: number,
  truncated: Uint8Array,
  finalValues: Float32Array,
  gamma: number,
): void {
  for (let e = 0; e < truncated.length; e++) if (truncated[e]) rewards[offset + e] += gamma * finalValues[e];
}

/**
 * Generalised advantage estimation (Schulman et al. 2016):
 *   δ_t = r_t + γ·V(s_{t+1})·(1 − done_t) − V(s_t),   A_t = δ_t + γλ·(1 − done_t)·A_{t+1}
 * A transition that ended its episode does not look past it. Truncated episodes are bootstrapped by
 * the caller, which adds γ·V(final observation) to their last reward (as SB3 does), so done_t is the
 * same flag for both kinds of ending here.
 */
export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  dones: Uint8Array,
  lastValues: Float32Array,
  numSteps: number,
  numEnvs: number,
  gamma: number,
  lambda: number,
  out: Float32Array,
): void {
  for (let e = 0; e < numEnvs; e++) {
    let next = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const nextValue = t === numSteps - 1 ? lastValues[e] : values[i + numEnvs];
      const live = 1 - dones[i];
      const delta = rewards[i] + gamma * nextValue * live - values[i];
      next = delta + gamma * lambda * live * next;
      out[i] = next;
    }
  }
}
