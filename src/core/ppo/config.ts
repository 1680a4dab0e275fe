import { z } from '../schema';
import { ConfigError, DEFAULT_ENV_CONFIG, envConfigSchema, type EnvConfig } from '../env/config';

export const VARIANTS = ['standard', 'maskable', 'enhanced-maskable'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_DESCRIPTIONS: Record<Variant, string> = {
  standard: 'Plain PPO: the policy may pick invalid actions; the environment executes them as Hold.',
  maskable: 'Invalid actions are removed from the policy distribution during rollouts and updates (MaskablePPO).',
  'enhanced-maskable':
    'Maskable plus a self-attention encoder over the window, market-regime inputs, risk masks, a risk-aware reward and adaptive KL.',
};

/** The PPO algorithm's hyperparameters (CleanRL / SB3 names and defaults). */
export interface PpoConfig {
  /** Steps each env takes per rollout; transitions per update = numSteps × env.numEnvs. */
  numSteps: number;
  /** Discount factor γ. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Passes over each rollout. */
  epochs: number;
  /** Transitions per gradient step. */
  minibatchSize: number;
  /** Normalise advantages within each minibatch. */
  normalizeAdvantages: boolean;
  /** Surrogate clipping range ε. */
  clipRange: number;
  /** Clip the value update to ±clipRange around the rollout's values. */
  clipValueLoss: boolean;
  /** Weight of the entropy bonus. */
  entropyCoef: number;
  /** Weight of the value loss. */
  valueCoef: number;
  /** Adam step size. */
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over totalTimesteps. */
  annealLearningRate: boolean;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Stop an update's epochs early when approx KL exceeds this (null = never). */
  targetKl: number | null;
  /** Mask invalid actions inside the distribution (Maskable variants). */
  maskActions: boolean;
  /** Adapt the learning rate to approx KL around adaptiveKlTarget (Enhanced). */
  adaptiveKl: boolean;
  /** Target approx KL for adaptiveKl: halve lr above 2×, grow it below ½×, stop epochs past 1.5×. */
  adaptiveKlTarget: number;
  /** Bounds of the adapted learning rate, as multiples of learningRate. */
  adaptiveLrRange: [number, number];
}

/** The actor-critic network. */
export interface NetworkConfig {
  /** 'mlp': flat window → dense trunk. 'attention': self-attention over the window, then the trunk. */
  encoder: 'mlp' | 'attention';
  /** Widths of the shared dense trunk. */
  hidden: number[];
  /** Activation of the trunk. */
  activation: 'tanh' | 'relu';
  /** Attention blocks (encoder 'attention'). */
  attentionLayers: number;
  /** Attention heads. */
  attentionHeads: number;
  /** Model width of the attention encoder. */
  modelDim: number;
}

/** When training ends: the first criterion met stops it. */
export interface StopConfig {
  /** Environment steps in total. */
  totalTimesteps: number;
  /** Finished episodes (null = no limit). */
  maxEpisodes: number | null;
  /** Wall-clock minutes (null = no limit). */
  maxMinutes: number | null;
  /**
   * Converged when the moving average of episode reward (last `convergenceWindow` episodes) improved by
   * less than convergenceEpsilon over the last convergencePatience updates while policy entropy is below
   * convergenceEntropy (null = never stop on convergence).
   */
  convergenceEpsilon: number | null;
  convergencePatience: number;
  convergenceWindow: number;
  convergenceEntropy: number;
}

/** Periodic evaluation on the validation split. */
export interface EvalConfig {
  /** Run a deterministic validation backtest every this many updates (0 = only at the end). */
  everyUpdates: number;
  /** Validation trades a checkpoint needs before it can be selected as the best. */
  minTrades: number;
}

/** Everything a training run needs; saved with the model. */
export interface TrainingConfig {
  variant: Variant;
  seed: number;
  env: EnvConfig;
  ppo: PpoConfig;
  network: NetworkConfig;
  stop: StopConfig;
  eval: EvalConfig;
  /** Train / validation / test fractions of the usable bars. */
  split: { train: number; validation: number; test: number };
}

export const DEFAULT_PPO_CONFIG: PpoConfig = {
  numSteps: 256,
  gamma: 0.99,
  gaeLambda: 0.95,
  epochs: 4,
  minibatchSize: 64,
  normalizeAdvantages: true,
  clipRange: 0.2,
  clipValueLoss: false,
  entropyCoef: 0.01,
  valueCoef: 0.5,
  learningRate: 3e-4,
  annealLearningRate: false,
  maxGradNorm: 0.5,
  targetKl: null,
  maskActions: false,
  adaptiveKl: false,
  adaptiveKlTarget: 0.02,
  adaptiveLrRange: [0.05, 3],
};

export const DEFAULT_NETWORK_CONFIG: NetworkConfig = {
  encoder: 'mlp',
  hidden: [256, 256, 128],
  activation: 'tanh',
  attentionLayers: 1,
  attentionHeads: 4,
  modelDim: 64,
};

export const DEFAULT_STOP_CONFIG: StopConfig = {
  totalTimesteps: 100_000,
  maxEpisodes: null,
  maxMinutes: null,
  convergenceEpsilon: null,
  convergencePatience: 10,
  convergenceWindow: 20,
  convergenceEntropy: 0.3,
};

/** Reward and risk settings the Enhanced variant adds to the environment. */
export const ENHANCED_ENV_DEFAULTS: Partial<EnvConfig> = {
  drawdownPenalty: 0.5,
  volatilityPenalty: 0.1,
  volatilityWindow: 20,
  drawdownMaskLimit: 0.1,
  minHoldingBars: 3,
};

export type TrainingOverrides = {
  variant?: Variant;
  seed?: number;
  env?: Partial<EnvConfig>;
  ppo?: Partial<PpoConfig>;
  network?: Partial<NetworkConfig>;
  stop?: Partial<StopConfig>;
  eval?: Partial<EvalConfig>;
  split?: Partial<TrainingConfig['split']>;
};

/** The defaults a variant implies, before user overrides. */
export function variantDefaults(variant: Variant): TrainingConfig {
  const enhanced = variant === 'enhanced-maskable';
  return {
    variant,
    seed: 1,
    env: { ...DEFAULT_ENV_CONFIG, ...(enhanced ? ENHANCED_ENV_DEFAULTS : {}) },
    ppo: { ...DEFAULT_PPO_CONFIG, maskActions: variant !== 'standard', adaptiveKl: enhanced },
    network: { ...DEFAULT_NETWORK_CONFIG, encoder: enhanced ? 'attention' : 'mlp' },
    stop: { ...DEFAULT_STOP_CONFIG },
    eval: { everyUpdates: 5, minTrades: 1 },
    split: { train: 0.7, validation: 0.15, test: 0.15 },
  };
}

const ppoSchema = z.object({
  numSteps: z.number().int().min(1).max(100_000),
  gamma: z.number().min(0).max(1),
  gaeLambda: z.number().min(0).max(1),
  epochs: z.number().int().min(1).max(100),
  minibatchSize: z.number().int().min(1).max(65_536),
  normalizeAdvantages: z.boolean(),
  clipRange: z.number().gt(0).max(1),
  clipValueLoss: z.boolean(),
  entropyCoef: z.number().min(0).max(1),
  valueCoef: z.number().min(0).max(10),
  learningRate: z.number().gt(0).max(1),
  annealLearningRate: z.boolean(),
  maxGradNorm: z.number().gt(0),
  targetKl: z.number().gt(0).nullable(),
  maskActions: z.boolean(),
  adaptiveKl: z.boolean(),
  adaptiveKlTarget: z.number().gt(0),
  adaptiveLrRange: z.tuple([z.number().gt(0), z.number().gt(0)]),
});

/** The largest network a config may describe; model import derives its size limits from these. */
export const NETWORK_LIMITS = { hiddenLayers: 8, hiddenUnits: 4096, attentionLayers: 4, attentionHeads: 16, modelDim: 512 } as const;

const networkSchema = z.object({
  encoder: z.enum(['mlp', 'attention']),
  hidden: z.array(z.number().int().min(1).max(NETWORK_LIMITS.hiddenUnits)).min(1).max(NETWORK_LIMITS.hiddenLayers),
  activation: z.enum(['tanh', 'relu']),
  attentionLayers: z.number().int().min(1).max(NETWORK_LIMITS.attentionLayers),
  attentionHeads: z.number().int().min(1).max(NETWORK_LIMITS.attentionHeads),
  modelDim: z.number().int().min(4).max(NETWORK_LIMITS.modelDim),
});

const stopSchema = z.object({
  totalTimesteps: z.number().int().min(1),
  maxEpisodes: z.number().int().min(1).nullable(),
  maxMinutes: z.number().gt(0).nullable(),
  convergenceEpsilon: z.number().gt(0).nullable(),
  convergencePatience: z.number().int().min(1),
  convergenceWindow: z.number().int().min(1),
  convergenceEntropy: z.number().min(0),
});

export const trainingConfigSchema = z.object({
  variant: z.enum(VARIANTS),
  seed: z.number().int().min(0),
  env: envConfigSchema,
  ppo: ppoSchema,
  network: networkSchema,
  stop: stopSchema,
  // Bundles saved before the minimum existed selected on Sharpe alone; 1 is today's default.
  eval: z.object({ everyUpdates: z.number().int().min(0), minTrades: z.number().int().min(0).max(1_000_000).default(1) }),
  split: z.object({ train: z.number().gt(0).max(1), validation: z.number().min(0).max(1), test: z.number().min(0).max(1) }),
});

/** Variant defaults + overrides, validated; errors name the field and its allowed range. */
export function resolveTrainingConfig(overrides: TrainingOverrides = {}): TrainingConfig {
  const variant = overrides.variant ?? 'maskable';
  if (!(VARIANTS as readonly string[]).includes(variant)) {
    throw new ConfigError(`Invalid setting variant: "${String(variant)}" is not one of ${VARIANTS.join(', ')}.`, 'variant');
  }
  const { config, errors } = checkTrainingConfig(mergeTrainingConfig(overrides));
  if (config === null) {
    const [field, message] = Object.entries(errors)[0];
    throw new ConfigError(`Invalid setting config.${field}: ${message}.`, `config.${field}`);
  }
  return config;
}

/** Variant defaults with overrides laid over them, not yet validated (see checkTrainingConfig). */
export function mergeTrainingConfig(overrides: TrainingOverrides = {}): TrainingConfig {
  const variant = overrides.variant ?? 'maskable';
  const base = variantDefaults(variant);
  const merged: TrainingConfig = {
    variant,
    seed: overrides.seed ?? base.seed,
    env: { ...base.env, ...overrides.env },
    ppo: { ...base.ppo, ...overrides.ppo },
    network: { ...base.network, ...overrides.network },
    stop: { ...base.stop, ...overrides.stop },
    eval: { ...base.eval, ...overrides.eval },
    split: { ...base.split, ...overrides.split },
  };
  merged.env.seed = overrides.env?.seed ?? merged.seed;
  return merged;
}

/**
 * Every problem with a merged config at once, keyed by field path ("ppo.clipRange"), for forms that
 * show each error beside its field; config is null when there is any.
 */
export function checkTrainingConfig(merged: TrainingConfig): { config: TrainingConfig | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const parsed = trainingConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[issue.path.join('.')] ??= issue.message;
    return { config: null, errors };
  }
  const cfg = parsed.data as TrainingConfig;
  const batch = cfg.ppo.numSteps * cfg.env.numEnvs;
  if (cfg.ppo.minibatchSize > batch) {
    errors['ppo.minibatchSize'] = `${cfg.ppo.minibatchSize} is larger than the rollout (${cfg.ppo.numSteps} steps × ${cfg.env.numEnvs} envs = ${batch})`;
  }
  if (cfg.network.encoder === 'attention' && cfg.network.modelDim % cfg.network.attentionHeads !== 0) {
    errors['network.modelDim'] = `${cfg.network.modelDim} must be divisible by attentionHeads (${cfg.network.attentionHeads})`;
  }
  if (Math.abs(cfg.split.train + cfg.split.validation + cfg.split.test - 1) > 1e-6) {
    errors.split = 'train + validation + test must add up to 1';
  }
  return { config: Object.keys(errors).length ? null : cfg, errors };
}

