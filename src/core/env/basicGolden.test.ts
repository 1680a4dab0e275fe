import { describe, expect, it } from 'vitest';
import { resolveEnvConfig } from './config';
import { prepareMarket } from './prepare';
import { TradingEnv } from './tradingEnv';
import { defaultFeatureNames } from '../features';
import { createRng } from '../random/rng';
import { momentumBars } from '../../test-support/testMarket';

/**
 * The basic action set with fixed sizing must trade exactly as it did before the sized set, sizing
 * modes, sessions and regime rewards existed: the digests below were printed by the code of commit
 * e19d0c7 (before them) running this same test, and every value is compared to the last bit.
 */
function digest(settings: Parameters<typeof resolveEnvConfig>[0]): number[] {
  const bars = momentumBars(1200, 3);
  const prepared = prepareMarket(bars, defaultFeatureNames({ hasVolume: true, intervalMs: 86_400_000 }), 20);
  const cfg = resolveEnvConfig({ lookback: 20, numEnvs: 4, episodeLength: 300, seed: 5, ...settings });
  const env = new TradingEnv(cfg, prepared.market, prepared.splits.train);
  env.reset();
  const rng = createRng(11);
  const actions = new Int32Array(4);
  let rewards = 0;
  let equity = 0;
  let obs = 0;
  let executed = 0;
  for (let k = 0; k < 2000; k++) {
    for (let i = 0; i < 4; i++) actions[i] = rng.int(0, 3);
    env.step(actions);
    for (let i = 0; i < 4; i++) {
      rewards += env.rewards[i] * (k + 1);
      equity += env.stepEquity[i];
      executed += env.executed[i] * (i + 1);
    }
    for (let j = 0; j < env.obs.length; j += 7) obs += env.obs[j];
  }
  return [rewards, equity, obs, executed];
}

describe('the basic action set', () => {
  it('is bit-identical to the environment before the trading rules', () => {
    const cases = {
      defaults: digest({}),
      risk: digest({ drawdownPenalty: 0.5, volatilityPenalty: 0.1, drawdownMaskLimit: 0.1, minHoldingBars: 3, longOnly: true }),
      closeFills: digest({ fillAt: 'close', positionFraction: 0.5, slippageBps: 5, holdPenalty: 0.001 }),
    };
    expect(cases).toEqual(GOLDEN);
  });
});

const GOLDEN = {
  defaults: [-3189.007539185205, 76152405.49855079, -17713.393560489858, 13322],
  risk: [-13197.136162473076, 72090005.65153621, -17775.904753919098, 6100],
  closeFills: [-6855.239748140913, 76831160.11350611, -17678.584154394568, 13322],
};
