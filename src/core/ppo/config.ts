import { z } from '../schema';
import { ConfigError, DEFAULT_ENV_CONFIG, envConfigSchema, type EnvConfig } from '../env/config';
import { checkTimeZone, parseSessionWindow, sessionLengthMinutes } from '../env/session';

export const VARIANTS = ['standard', 'maskable', 'enhanced-maskable'] as const;
export type Variant = (typeof VARIANTS)[number];

export const VARIANT_DESCRIPTIONS: Record<Variant, string> = {
  standard: 'Plain PPO: the policy may pick invalid actions; the environment executes them as Hold.',
  maskable: 'Invalid actions are removed from the policy distribution during rollouts and updates (MaskablePPO).',
  'enhanced-maskable':
    'Maskable plus a self-attention encoder over the window, market-regime inputs, risk masks, a risk-aware reward and adaptive KL.',
};

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
  critic: 'scalar',
  quantiles: 32,
  dropout: 0,
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

/** The PPO algorithm's hyperparameters (CleanRL / SB3 names); one line per field, defaults in DEFAULT_PPO_CONFIG. */
export const ppoSchema = z.object({
  numSteps: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe('Steps each env takes per rollout; transitions per update = numSteps × env.numEnvs.'),
  gamma: z.number().min(0).max(1).describe('Discount factor γ.'),
  gaeLambda: z.number().min(0).max(1).describe('GAE λ.'),
  epochs: z.number().int().min(1).max(100).describe('Passes over each rollout.'),
  minibatchSize: z.number().int().min(1).max(65_536).describe('Transitions per gradient step.'),
  normalizeAdvantages: z.boolean().describe('Normalise advantages within each minibatch.'),
  clipRange: z.number().gt(0).max(1).describe('Surrogate clipping range ε.'),
  clipValueLoss: z.boolean().describe("Clip the value update to ±clipRange around the rollout's values (scalar critic only)."),
  entropyCoef: z.number().min(0).max(1).describe('Weight of the entropy bonus.'),
  valueCoef: z.number().min(0).max(10).describe('Weight of the value loss.'),
  learningRate: z.number().gt(0).max(1).describe('Adam step size.'),
  annealLearningRate: z.boolean().describe('Anneal the learning rate linearly to 0 over stop.totalTimesteps.'),
  maxGradNorm: z.number().gt(0).describe('Global gradient-norm clip.'),
  targetKl: z.number().gt(0).nullable().describe("Stop an update's epochs early when approx KL exceeds this (null = never)."),
  maskActions: z.boolean().describe('Mask invalid actions inside the distribution (Maskable variants).'),
  adaptiveKl: z.boolean().describe('Adapt the learning rate to approx KL around adaptiveKlTarget (Enhanced).'),
  adaptiveKlTarget: z
    .number()
    .gt(0)
    .describe('Target approx KL for adaptiveKl: halve the rate above 2×, grow it below ½×, stop epochs past 1.5×.'),
  adaptiveLrRange: z
    .tuple([z.number().gt(0), z.number().gt(0)])
    .describe('Bounds of the adapted learning rate, as multiples of learningRate.'),
});

/** The largest network a config may describe; model import derives its size limits from these. */
export const NETWORK_LIMITS = {
  hiddenLayers: 8,
  hiddenUnits: 4096,
  attentionLayers: 4,
  attentionHeads: 16,
  modelDim: 512,
  quantiles: 256,
} as const;

/** The actor-critic network. */
const networkSchema = z.object({
  encoder: z
    .enum(['mlp', 'attention'])
    .describe("'mlp': flat window → dense trunk. 'attention': self-attention over the window, then the trunk."),
  hidden: z
    .array(z.number().int().min(1).max(NETWORK_LIMITS.hiddenUnits))
    .min(1)
    .max(NETWORK_LIMITS.hiddenLayers)
    .describe('Widths of the shared dense trunk.'),
  activation: z.enum(['tanh', 'relu']).describe('Activation of the trunk.'),
  attentionLayers: z.number().int().min(1).max(NETWORK_LIMITS.attentionLayers).describe("Attention blocks (encoder 'attention')."),
  attentionHeads: z.number().int().min(1).max(NETWORK_LIMITS.attentionHeads).describe('Attention heads per block.'),
  modelDim: z.number().int().min(4).max(NETWORK_LIMITS.modelDim).describe('Model width of the attention encoder.'),
  // The defaults below also stand for the fields bundles saved before they existed do not have.
  critic: z
    .enum(['scalar', 'quantile'])
    .default('scalar')
    .describe("'scalar': one value per state, squared-error loss. 'quantile': quantiles of the return (QR-DQN), value = their mean."),
  quantiles: z
    .number()
    .int()
    .min(2)
    .max(NETWORK_LIMITS.quantiles)
    .default(32)
    .describe("Quantiles the quantile critic predicts, at the midpoints τ = (2i + 1) / 2N (critic 'quantile')."),
  dropout: z
    .number()
    .min(0)
    .max(0.9)
    .default(0)
    .describe("Share of the trunk's units dropped in each update's forward pass; rollouts, backtests and predictions drop none."),
});

/** When training ends: the first criterion met stops it. */
const stopSchema = z.object({
  totalTimesteps: z.number().int().min(1).describe('Environment steps in total.'),
  maxEpisodes: z.number().int().min(1).nullable().describe('Finished episodes (null = no limit).'),
  maxMinutes: z.number().gt(0).nullable().describe('Wall-clock minutes (null = no limit).'),
  convergenceEpsilon: z
    .number()
    .gt(0)
    .nullable()
    .describe(
      'Converged when smoothed episode reward gains less than this over convergencePatience updates with entropy below convergenceEntropy (null = never).',
    ),
  convergencePatience: z.number().int().min(1).describe('Updates the reward gain is measured over.'),
  convergenceWindow: z.number().int().min(1).describe('Episodes in the moving average of episode reward.'),
  convergenceEntropy: z.number().min(0).describe('Policy entropy below which a run may count as converged.'),
});

/** Periodic evaluation on the validation split, and how the kept checkpoint is chosen. */
const evalSchema = z.object({
  everyUpdates: z.number().int().min(0).describe('Run a deterministic validation backtest every this many updates (0 = only at the end).'),
  // Bundles saved before the minimum existed selected on Sharpe alone; 1 is today's default.
  minTrades: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(1)
    .describe('Validation trades a checkpoint needs before it can be selected as the best.'),
});

const splitSchema = z.object({
  train: z.number().gt(0).max(1).describe('Share of the usable bars for training (the first ones).'),
  validation: z.number().min(0).max(1).describe('Share for validation: checkpoint selection.'),
  test: z.number().min(0).max(1).describe('Share for the test: never seen in training or selection.'),
});

/** Everything a training run needs; saved with the model. */
export const trainingConfigSchema = z.object({
  variant: z.enum(VARIANTS).describe('standard, maskable or enhanced-maskable.'),
  seed: z.number().int().min(0).describe('Seed of the network, the rollouts and the episode starts.'),
  env: envConfigSchema,
  ppo: ppoSchema,
  network: networkSchema,
  stop: stopSchema,
  eval: evalSchema,
  split: splitSchema,
});

export type PpoConfig = z.infer<typeof ppoSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type StopConfig = z.infer<typeof stopSchema>;
export type EvalConfig = z.infer<typeof evalSchema>;
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;

/** Combinations of trading rules that make no sense, keyed by the field to fix. */
function tradingRuleErrors(env: EnvConfig): Record<string, string> {
  const errors: Record<string, string> = {};
  if (env.actionSet === 'sized') {
    if (env.sizing !== 'fixed') {
      errors['env.sizing'] =
        `${env.sizing} sizing applies to the basic action set; the sized set trades slices of sliceFraction (use sizing fixed)`;
    }
    if (env.sliceFraction > env.maxPosition) {
      errors['env.sliceFraction'] = `a slice of ${env.sliceFraction} is larger than the largest position (maxPosition ${env.maxPosition})`;
    }
  } else if (env.maxLeverage > 1 && env.sizing === 'fixed') {
    errors['env.maxLeverage'] =
      'fixed sizing takes positionFraction of equity (at most 1); leverage applies to atr, kelly and vol-target sizing';
  }
  if (env.session === null) {
    if (env.noEntryMinutes > 0) errors['env.noEntryMinutes'] = 'needs a trading session (env.session, e.g. 09:30-16:00)';
    if (env.flattenAtClose) errors['env.flattenAtClose'] = 'needs a trading session (env.session, e.g. 09:30-16:00)';
  } else {
    const problem = sessionRuleError(env.session, env.timeZone, env.noEntryMinutes);
    if (problem) errors[problem.field] = problem.message;
  }
  return errors;
}

function sessionRuleError(session: string, timeZone: string, noEntryMinutes: number): { field: string; message: string } | null {
  try {
    const length = sessionLengthMinutes(parseSessionWindow(session));
    checkTimeZone(timeZone);
    if (noEntryMinutes >= length) {
      return { field: 'env.noEntryMinutes', message: `${noEntryMinutes} minutes leave no time to enter a ${length}-minute session` };
    }
    return null;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { field: error.field, message: error.message.replace(/^Invalid setting [\w.]+: /, '').replace(/\.$/, '') };
  }
}

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
    errors['ppo.minibatchSize'] =
      `${cfg.ppo.minibatchSize} is larger than the rollout (${cfg.ppo.numSteps} steps × ${cfg.env.numEnvs} envs = ${batch})`;
  }
  if (cfg.network.encoder === 'attention' && cfg.network.modelDim % cfg.network.attentionHeads !== 0) {
    errors['network.modelDim'] = `${cfg.network.modelDim} must be divisible by attentionHeads (${cfg.network.attentionHeads})`;
  }
  if (cfg.network.critic === 'quantile' && cfg.ppo.clipValueLoss) {
    errors['ppo.clipValueLoss'] = "value-loss clipping is for the scalar critic; turn it off, or set network.critic to 'scalar'";
  }
  if (Math.abs(cfg.split.train + cfg.split.validation + cfg.split.test - 1) > 1e-6) {
    errors.split = 'train + validation + test must add up to 1';
  }
  Object.assign(errors, tradingRuleErrors(cfg.env));
  return { config: Object.keys(errors).length ? null : cfg, errors };
}
