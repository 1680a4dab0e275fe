import { describe, expect, it } from 'vitest';
import { bootstrapTruncated, computeGae, RolloutBuffer } from './buffer';

describe('GAE', () => {
  // γ = λ = 0.5 keeps the hand arithmetic short. One env, four steps:
  // step 1 is terminated, step 3 ends the rollout and bootstraps from lastValue = 2.
  it('matches a hand-computed example with a termination', () => {
    const out = new Float32Array(4);
    computeGae(
      Float32Array.of(1, 1, 1, 1),
      Float32Array.of(0.5, 0.5, 0.5, 0.5),
      Uint8Array.of(0, 1, 0, 0),
      Float32Array.of(2),
      4,
      1,
      0.5,
      0.5,
      out,
    );
    // A3 = 1 + .5·2 − .5 = 1.5;  A2 = (1 + .25 − .5) + .25·1.5 = 1.125
    // A1 = 1 − .5 = .5 (terminated: no look-ahead);  A0 = (1 + .25 − .5) + .25·.5 = .875
    expect(Array.from(out)).toEqual([0.875, 0.5, 1.125, 1.5]);
  });

  it('bootstraps a truncated episode from its final observation and not a terminated one', () => {
    const rewards = Float32Array.of(1, 1, 1, 1);
    // Two envs at one step: env 0 truncated with V(final) = 4, env 1 terminated (no bootstrap).
    bootstrapTruncated(rewards, 2, Uint8Array.of(1, 0), Float32Array.of(4, 9), 0.5);
    expect(Array.from(rewards)).toEqual([1, 1, 3, 1]);
    const out = new Float32Array(4);
    // steps × envs = 2 × 2; step 1 ends both episodes.
    computeGae(rewards, Float32Array.of(0.5, 0.5, 0.5, 0.5), Uint8Array.of(0, 0, 1, 1), Float32Array.of(100, 100), 2, 2, 0.5, 0.5, out);
    // env 0: A1 = 3 − .5 = 2.5, A0 = (1 + .25 − .5) + .25·2.5 = 1.375
    // env 1: A1 = 1 − .5 = .5,  A0 = .75 + .25·.5 = .875
    expect(Array.from(out)).toEqual([1.375, 0.875, 2.5, 0.5]);
  });

  it('computes returns as advantages plus values', () => {
    const b = new RolloutBuffer(2, 1, 1, 3);
    b.rewards.set([1, 2]);
    b.values.set([0.5, 0.25]);
    b.dones.set([0, 0]);
    b.computeReturnsAndAdvantages(Float32Array.of(0), 1, 1);
    // undiscounted: returns are the reward-to-go 3 and 2
    expect(Array.from(b.returns)).toEqual([3, 2]);
  });
});
