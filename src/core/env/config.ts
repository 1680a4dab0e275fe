import { z } from '../schema';

export const FILL_AT = ['nextOpen', 'close'] as const;
export type FillAt = (typeof FILL_AT)[number];

/** Settings of the trading environment; one field per line, defaults in DEFAULT_ENV_CONFIG. */
export interface EnvConfig {
  /** Bars of scaled features in each observation window. */
  lookback: number;
  /** Episodes stepped together in one vectorized environment. */
  numEnvs: number;
  /** Steps after which an episode is truncated (it also ends at the split's last bar). */
  episodeLength: number;
  /** Account value at the start of every episode. */
  initialCapital: number;
  /** Fraction of equity committed when a position opens. */
  positionFraction: number;
  /** Cost per trade as a fraction of traded notional (0.001 = 0.1 %). */
  transactionCost: number;
  /**
   * Where an order decided at bar t fills: 'nextOpen' at bar t+1's open (backtesting.py's default; the
   * agent cannot trade at a price it has already seen), 'close' at bar t's close, the price it observed.
   */
  fillAt: FillAt;
  /** Fill price worse than the fill bar's price by this many basis points, on every order. */
  slippageBps: number;
  /** When true Sell only closes a long; no short positions. */
  longOnly: boolean;
  /** Multiplies the per-step reward (equity change over equity). */
  rewardScale: number;
  /** Subtracted from the reward on each step whose executed action is Hold. */
  holdPenalty: number;
  /** An episode terminates when equity falls below this fraction of initial capital. */
  bustThreshold: number;
  /** λ_dd: reward penalty per unit increase of the episode's drawdown (0 = off). */
  drawdownPenalty: number;
  /** λ_vol: reward penalty per unit of rolling volatility of step returns (0 = off). */
  volatilityPenalty: number;
  /** Window (steps) of the rolling volatility used by volatilityPenalty. */
  volatilityWindow: number;
  /** No new exposure while the episode's drawdown exceeds this fraction (null = off). */
  drawdownMaskLimit: number | null;
  /**
   * Bars a flat account waits once the drawdown limit blocked it; then its risk peak resets to the
   * current equity and it may trade again (0 = blocked for the rest of the episode).
   */
  drawdownCooldownBars: number;
  /** No new exposure on bars in the high-volatility regime (needs regime data). */
  blockHighVolatility: boolean;
  /** Bars a position must be held before it may be closed (0 = off). */
  minHoldingBars: number;
  /** Seed of episode starts. */
  seed: number;
}

export const DEFAULT_ENV_CONFIG: EnvConfig = {
  lookback: 60,
  numEnvs: 8,
  episodeLength: 1000,
  initialCapital: 10_000,
  positionFraction: 1,
  transactionCost: 0.001,
  fillAt: 'nextOpen',
  slippageBps: 0,
  longOnly: false,
  rewardScale: 1,
  holdPenalty: 0,
  bustThreshold: 0.5,
  drawdownPenalty: 0,
  volatilityPenalty: 0,
  volatilityWindow: 20,
  drawdownMaskLimit: null,
  drawdownCooldownBars: 20,
  blockHighVolatility: false,
  minHoldingBars: 0,
  seed: 1,
};

/** The longest observation window a config may ask for. */
export const MAX_LOOKBACK = 1024;

const fraction = z.number().min(0).max(1);

export const envConfigSchema = z.object({
  lookback: z.number().int().min(1).max(MAX_LOOKBACK),
  numEnvs: z.number().int().min(1).max(1024),
  episodeLength: z.number().int().min(1),
  initialCapital: z.number().positive(),
  positionFraction: z.number().gt(0).max(1),
  transactionCost: z.number().min(0).max(0.1),
  // Bundles saved before fills at the next open existed trained with fills at the close.
  fillAt: z.enum(FILL_AT).default('close'),
  slippageBps: z.number().min(0).max(1000),
  longOnly: z.boolean(),
  rewardScale: z.number().positive(),
  holdPenalty: z.number().min(0),
  bustThreshold: fraction,
  drawdownPenalty: z.number().min(0),
  volatilityPenalty: z.number().min(0),
  volatilityWindow: z.number().int().min(2).max(10_000),
  drawdownMaskLimit: fraction.nullable(),
  drawdownCooldownBars: z.number().int().min(0),
  blockHighVolatility: z.boolean(),
  minHoldingBars: z.number().int().min(0),
  seed: z.number().int(),
});

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Merges overrides into defaults and validates; the error names the field and the allowed range. */
export function resolveEnvConfig(overrides: Partial<EnvConfig> = {}): EnvConfig {
  const merged = { ...DEFAULT_ENV_CONFIG, ...overrides };
  const parsed = envConfigSchema.safeParse(merged);
  if (!parsed.success) throw configErrorFrom(parsed.error, 'env');
  return parsed.data;
}

export function configErrorFrom(error: z.ZodError, section: string): ConfigError {
  const issue = error.issues[0];
  const field = `${section}.${issue.path.join('.')}`;
  return new ConfigError(`Invalid setting ${field}: ${issue.message}.`, field);
}
