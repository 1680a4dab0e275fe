import { BUY, HOLD } from '../env/tradingEnv';
import { createRng } from '../random/rng';
import type { Policy } from '../env/policy';

export type { Policy } from '../env/policy';

export const BASELINES = ['buy-and-hold', 'flat', 'random'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** Buys on the first bar and holds to the end (with the sized set, adds slices up to the largest position). */
export const buyAndHoldPolicy: Policy = (_obs, masks, numEnvs, actions, numActions) => {
  for (let i = 0; i < numEnvs; i++) actions[i] = masks[i * numActions + BUY] ? BUY : HOLD;
};

/** Never trades. */
export const flatPolicy: Policy = (_obs, _masks, numEnvs, actions) => {
  actions.fill(HOLD, 0, numEnvs);
};

/** Picks uniformly among the valid actions, from a seeded stream. */
export function randomPolicy(seed: number): Policy {
  const rng = createRng(seed);
  return (_obs, masks, numEnvs, actions, numActions) => {
    for (let i = 0; i < numEnvs; i++) {
      let valid = 0;
      for (let a = 0; a < numActions; a++) valid += masks[i * numActions + a];
      let pick = rng.int(0, valid);
      for (let a = 0; a < numActions; a++) {
        if (!masks[i * numActions + a]) continue;
        if (pick === 0) {
          actions[i] = a;
          break;
        }
        pick -= 1;
      }
    }
  };
}

export function baselinePolicy(name: BaselineName, seed = 1): Policy {
  switch (name) {
    case 'buy-and-hold':
      return buyAndHoldPolicy;
    case 'flat':
      return flatPolicy;
    case 'random':
      return randomPolicy(seed);
  }
}
