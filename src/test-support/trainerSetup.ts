import { resolveTrainingConfig, type TrainingOverrides, type Variant } from '../core/ppo/config';
import { prepareMarket } from '../core/env/prepare';
import type { Bars } from '../core/data/bars';
import type { FeatureName } from '../core/features';
import { momentumBars } from './testMarket';

const FEATURES: FeatureName[] = ['ret1', 'ret5', 'vol20', 'rsi14'];

/** A tiny, fast training setup on a predictable market: the config, the prepared market, the trainer's data. */
export function tinyTrainingSetup(variant: Variant, overrides: TrainingOverrides = {}, bars: Bars = momentumBars(1500, 7)) {
  const config = resolveTrainingConfig({
    variant,
    seed: 3,
    ...overrides,
    env: { lookback: 8, numEnvs: 4, episodeLength: 200, ...overrides.env },
    ppo: { numSteps: 32, minibatchSize: 32, ...overrides.ppo },
    network: { hidden: [32, 32], modelDim: 16, ...overrides.network },
    stop: { totalTimesteps: 128 * 3, ...overrides.stop },
    eval: { everyUpdates: 0, ...overrides.eval },
  });
  const prepared = prepareMarket(bars, FEATURES, config.env.lookback, {
    ratios: config.split,
    regimes: variant === 'enhanced-maskable' ? 'fit' : null,
    rules: config.env,
  });
  return { config, prepared, data: { market: prepared.market, splits: prepared.splits } };
}
