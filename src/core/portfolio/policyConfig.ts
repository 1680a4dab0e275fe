import { z } from '../schema';
import { DEFAULT_PPO_CONFIG, NETWORK_LIMITS, type EvalConfig, type PpoConfig, type StopConfig } from '../ppo/config';

/** Standard: one dense trunk over the flat observation. Enhanced: one encoder shared by every asset. */
export const PORTFOLIO_ENCODERS = ['mlp', 'per-asset'] as const;
export type PortfolioEncoder = (typeof PORTFOLIO_ENCODERS)[number];

/** The portfolio agent's actor-critic (portfolio/policy.ts); defaults are the schema's own. */
export const portfolioNetworkSchema = z.object({
  encoder: z
    .enum(PORTFOLIO_ENCODERS)
    .default('mlp')
    .describe(
      "'mlp' (Standard): the flat observation → dense trunk → mean and value; tied to the asset count it was trained on. " +
        "'per-asset' (Enhanced): one attention encoder shared by every asset's window, heads shared across assets; runs on any asset count of the same feature set.",
    ),
  hidden: z
    .array(z.number().int().min(1).max(NETWORK_LIMITS.hiddenUnits))
    .min(1)
    .max(NETWORK_LIMITS.hiddenLayers)
    .default([64, 64])
    .describe("Widths of the dense layers: the shared trunk ('mlp'), or each of the asset, cash and value heads ('per-asset')."),
  activation: z.enum(['tanh', 'relu']).default('tanh').describe('Activation of the dense layers.'),
  assetEmbedding: z
    .number()
    .int()
    .min(1)
    .max(NETWORK_LIMITS.hiddenUnits)
    .default(32)
    .describe("Width of each asset's embedding e_i, the encoder's summary of its window ('per-asset')."),
  attentionLayers: z
    .number()
    .int()
    .min(1)
    .max(NETWORK_LIMITS.attentionLayers)
    .default(1)
    .describe("Attention blocks of the per-asset window encoder ('per-asset')."),
  attentionHeads: z
    .number()
    .int()
    .min(1)
    .max(NETWORK_LIMITS.attentionHeads)
    .default(2)
    .describe("Attention heads per block; modelDim must be divisible by it ('per-asset')."),
  modelDim: z
    .number()
    .int()
    .min(4)
    .max(NETWORK_LIMITS.modelDim)
    .default(32)
    .describe("Model width of the per-asset window encoder ('per-asset')."),
  initialLogStd: z
    .number()
    .min(-5)
    .max(2)
    .default(-0.5)
    .describe('Starting log standard deviation of the Gaussian over raw actions (−0.5: σ ≈ 0.61); learned from there.'),
});

export type PortfolioNetworkConfig = z.infer<typeof portfolioNetworkSchema>;

export const DEFAULT_PORTFOLIO_NETWORK: PortfolioNetworkConfig = portfolioNetworkSchema.parse({});

/**
 * The discrete PPO's hyperparameters with the two that differ for a Gaussian policy: no action masks,
 * and no entropy bonus, as CleanRL's ppo_continuous_action and SB3's PPO. A Gaussian's entropy
 * depends on log σ alone, so the bonus is the same push to widen σ in every state, not exploration
 * where it is needed; the clipped objective already keeps σ from collapsing in one update.
 */
export const DEFAULT_PORTFOLIO_PPO: PpoConfig = { ...DEFAULT_PPO_CONFIG, maskActions: false, entropyCoef: 0 };

/** What PortfolioTrainer reads: the seed, the PPO (the discrete ppoSchema's fields), the network, when to stop and evaluate. */
export interface PortfolioTrainerConfig {
  seed: number;
  ppo: PpoConfig;
  network: PortfolioNetworkConfig;
  stop: StopConfig;
  eval: Pick<EvalConfig, 'everyUpdates'>;
}

/** Problems a valid-by-field network config can still have, keyed by field (as checkTrainingConfig does). */
export function portfolioNetworkErrors(config: PortfolioNetworkConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  if (config.encoder === 'per-asset' && config.modelDim % config.attentionHeads !== 0) {
    errors['network.modelDim'] = `${config.modelDim} must be divisible by attentionHeads (${config.attentionHeads})`;
  }
  return errors;
}
