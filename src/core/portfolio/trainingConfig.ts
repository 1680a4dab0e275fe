import { z } from '../schema';
import { ConfigError } from '../env/config';
import { trainingConfigSchema } from '../ppo/config';
import { portfolioEnvSchema } from './config';
import { DEFAULT_PORTFOLIO_PPO, portfolioNetworkErrors, portfolioNetworkSchema } from './policyConfig';

export const PORTFOLIO_VARIANTS = ['standard', 'enhanced'] as const;
export type PortfolioVariant = (typeof PORTFOLIO_VARIANTS)[number];

export const PORTFOLIO_VARIANT_DESCRIPTIONS: Record<PortfolioVariant, string> = {
  standard: "A dense network over every asset's window at once: tied to the number of assets it trained on.",
  enhanced:
    'One attention encoder shared by every asset, scores per asset from its embedding and the pooled context: runs on any number of assets of the same features.',
};

const shape = trainingConfigSchema.shape;

/** Everything a portfolio run needs; saved with the model. */
export const portfolioTrainingConfigSchema = z.object({
  variant: z.enum(PORTFOLIO_VARIANTS).describe('standard or enhanced.'),
  seed: z.number().int().min(0).describe('Seed of the network, the rollouts and the episode starts.'),
  env: portfolioEnvSchema,
  ppo: shape.ppo,
  network: portfolioNetworkSchema,
  stop: shape.stop,
  eval: shape.eval,
  split: shape.split,
});

export type PortfolioTrainingConfig = z.infer<typeof portfolioTrainingConfigSchema>;

export interface PortfolioOverrides {
  variant?: PortfolioVariant;
  seed?: number;
  env?: Partial<PortfolioTrainingConfig['env']>;
  ppo?: Partial<PortfolioTrainingConfig['ppo']>;
  network?: Partial<PortfolioTrainingConfig['network']>;
  stop?: Partial<PortfolioTrainingConfig['stop']>;
  eval?: Partial<PortfolioTrainingConfig['eval']>;
  split?: Partial<PortfolioTrainingConfig['split']>;
}

/** The defaults of a variant: the Enhanced one encodes each asset with the shared attention encoder. */
export function portfolioDefaults(variant: PortfolioVariant): PortfolioTrainingConfig {
  const base = portfolioTrainingConfigSchema.parse({
    variant,
    seed: 1,
    env: {},
    ppo: DEFAULT_PORTFOLIO_PPO,
    network: { encoder: variant === 'enhanced' ? 'per-asset' : 'mlp' },
    stop: {
      totalTimesteps: 100_000,
      maxEpisodes: null,
      maxMinutes: null,
      convergenceEpsilon: null,
      convergencePatience: 10,
      convergenceWindow: 20,
      convergenceEntropy: 0.3,
    },
    eval: { everyUpdates: 5, minTrades: 0 },
    split: { train: 0.7, validation: 0.15, test: 0.15 },
  });
  return base;
}

/** Variant defaults with the overrides laid over them, validated; the error names the field. */
export function resolvePortfolioConfig(overrides: PortfolioOverrides = {}): PortfolioTrainingConfig {
  const variant = overrides.variant ?? 'standard';
  if (!(PORTFOLIO_VARIANTS as readonly string[]).includes(variant)) {
    throw new ConfigError(`Invalid setting variant: "${String(variant)}" is not one of ${PORTFOLIO_VARIANTS.join(', ')}.`, 'variant');
  }
  const base = portfolioDefaults(variant);
  const merged = {
    variant,
    seed: overrides.seed ?? base.seed,
    env: { ...base.env, ...overrides.env, seed: overrides.env?.seed ?? overrides.seed ?? base.seed },
    ppo: { ...base.ppo, ...overrides.ppo },
    network: { ...base.network, ...overrides.network },
    stop: { ...base.stop, ...overrides.stop },
    eval: { ...base.eval, ...overrides.eval },
    split: { ...base.split, ...overrides.split },
  };
  const parsed = portfolioTrainingConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new ConfigError(`Invalid setting portfolio.${field}: ${issue.message}.`, `portfolio.${field}`);
  }
  const config = parsed.data;
  const errors: Record<string, string> = { ...portfolioNetworkErrors(config.network) };
  const batch = config.ppo.numSteps * config.env.numEnvs;
  if (config.ppo.minibatchSize > batch) errors['ppo.minibatchSize'] = `${config.ppo.minibatchSize} is larger than the rollout (${batch})`;
  if (Math.abs(config.split.train + config.split.validation + config.split.test - 1) > 1e-6)
    errors.split = 'train + validation + test must add up to 1';
  const [first] = Object.entries(errors);
  if (first) throw new ConfigError(`Invalid setting portfolio.${first[0]}: ${first[1]}.`, `portfolio.${first[0]}`);
  return config;
}
