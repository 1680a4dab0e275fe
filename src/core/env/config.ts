import { z } from '../schema';

export const FILL_AT = ['nextOpen', 'close'] as const;
export type FillAt = (typeof FILL_AT)[number];

export const ACTION_SETS = ['basic', 'sized'] as const;
export type ActionSet = (typeof ACTION_SETS)[number];

export const SIZINGS = ['fixed', 'atr', 'kelly', 'vol-target'] as const;
export type Sizing = (typeof SIZINGS)[number];

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
  actionSet: 'basic',
  sliceFraction: 0.1,
  maxPosition: 1,
  flattenCooldown: 10,
  sizing: 'fixed',
  riskPerTrade: 0.01,
  atrMultiple: 2,
  kellyCap: 0.5,
  kellyWindow: 50,
  targetVolatility: 0.15,
  forecastWindow: 20,
  maxLeverage: 1,
  borrowRatePerBar: 0.0002,
  maintenanceMargin: 0.25,
  session: null,
  timeZone: 'UTC',
  noEntryMinutes: 0,
  flattenAtClose: false,
  regimeLabels: false,
  drawdownSquaredPenalty: 0,
  regimeAlignmentBonus: 0,
  survivalBonus: 0,
  seed: 1,
};

/** Trades a Kelly estimate needs; before that, positions are sized at positionFraction. */
export const KELLY_MIN_TRADES = 20;

/** The longest observation window a config may ask for. */
export const MAX_LOOKBACK = 1024;

const fraction = z.number().min(0).max(1);

/**
 * Settings of the trading environment: type, bounds and a one-line description per field, in one
 * place (the settings form and the CLI help read the descriptions); defaults in DEFAULT_ENV_CONFIG.
 */
export const envConfigSchema = z.object({
  lookback: z.number().int().min(1).max(MAX_LOOKBACK).describe('Bars of scaled features in each observation window.'),
  numEnvs: z.number().int().min(1).max(1024).describe('Episodes stepped together in one vectorized environment.'),
  episodeLength: z.number().int().min(1).describe("Steps after which an episode is truncated (it also ends at the split's last bar)."),
  initialCapital: z.number().positive().describe('Account value at the start of every episode.'),
  positionFraction: z.number().gt(0).max(1).describe('Fraction of equity committed when a position opens.'),
  transactionCost: z.number().min(0).max(0.1).describe('Cost per trade as a fraction of traded notional (0.001 = 0.1 %).'),
  // Bundles saved before fills at the next open existed trained with fills at the close.
  fillAt: z
    .enum(FILL_AT)
    .default('close')
    .describe(
      "Where an order decided at bar t fills: nextOpen at bar t+1's open (no trading at a price already seen), close at bar t's close.",
    ),
  slippageBps: z
    .number()
    .min(0)
    .max(1000)
    .describe("Fill price worse than the fill bar's price by this many basis points, on every order."),
  longOnly: z.boolean().describe('Sell only closes a long; no short positions.'),
  rewardScale: z.number().positive().describe('Multiplies the per-step reward (equity change over equity).'),
  holdPenalty: z.number().min(0).describe('Subtracted from the reward on each step whose executed action is Hold.'),
  bustThreshold: fraction.describe('An episode terminates when equity falls below this fraction of initial capital.'),
  drawdownPenalty: z.number().min(0).describe("λ_dd: reward penalty per unit increase of the episode's drawdown (0 = off)."),
  volatilityPenalty: z.number().min(0).describe('λ_vol: reward penalty per unit of rolling volatility of step returns (0 = off).'),
  volatilityWindow: z.number().int().min(2).max(10_000).describe('Window (steps) of the rolling volatility used by volatilityPenalty.'),
  drawdownMaskLimit: fraction.nullable().describe("No new exposure while the episode's drawdown exceeds this fraction (null = off)."),
  drawdownCooldownBars: z
    .number()
    .int()
    .min(0)
    .describe(
      'Bars a flat account blocked by the drawdown limit waits before its risk peak resets and it may trade again (0 = blocked for the episode).',
    ),
  blockHighVolatility: z.boolean().describe('No new exposure on bars in the high-volatility regime (needs regime data).'),
  minHoldingBars: z.number().int().min(0).describe('Bars a position must be held before it may be closed (0 = off).'),
  // Every field below came with the sized action set, sizing, sessions and regime rewards; the
  // defaults keep bundles saved before them trading exactly as they trained.
  actionSet: z
    .enum(ACTION_SETS)
    .default('basic')
    .describe('basic: Hold/Buy/Sell with one position. sized: HOLD, LONG, SHORT, REDUCE, CLOSE, FLATTEN with slices of equity.'),
  sliceFraction: z.number().gt(0).max(1).default(0.1).describe('Sized set: equity fraction each LONG or SHORT adds.'),
  maxPosition: z.number().gt(0).max(10).default(1).describe('Sized set: largest position, as a fraction of equity (above 1 borrows).'),
  flattenCooldown: z.number().int().min(0).default(10).describe('Sized set: bars after FLATTEN with no new entries.'),
  sizing: z
    .enum(SIZINGS)
    .default('fixed')
    .describe('Basic set: fixed (positionFraction), atr (risk per ATR stop), kelly (fractional Kelly), vol-target (volatility targeting).'),
  riskPerTrade: z
    .number()
    .gt(0)
    .max(1)
    .default(0.01)
    .describe('ATR sizing: equity fraction lost if the stop, atrMultiple × ATR(14) away, is hit.'),
  atrMultiple: z.number().gt(0).max(100).default(2).describe('ATR sizing: stop distance in ATR(14)s.'),
  kellyCap: z.number().gt(0).max(1).default(0.5).describe('Kelly sizing: fraction of the full Kelly bet (0.5 = half Kelly).'),
  kellyWindow: z
    .number()
    .int()
    .min(KELLY_MIN_TRADES)
    .max(10_000)
    .default(50)
    .describe('Kelly sizing: past closed trades the edge is estimated from (a rolling window).'),
  targetVolatility: z.number().gt(0).max(5).default(0.15).describe("Vol-target sizing: the position's annualised volatility to aim for."),
  forecastWindow: z
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(20)
    .describe('Vol-target sizing: bars of returns the volatility forecast uses.'),
  maxLeverage: z
    .number()
    .min(1)
    .max(10)
    .default(1)
    .describe('Largest position as a multiple of equity for atr, kelly and vol-target sizing (1 = no borrowing).'),
  borrowRatePerBar: z
    .number()
    .min(0)
    .max(0.1)
    .default(0.0002)
    .describe('Charged each bar on the borrowed part of a position larger than equity.'),
  maintenanceMargin: z
    .number()
    .gt(0)
    .max(1)
    .default(0.25)
    .describe('With borrowing: a position is closed (margin call) when equity falls below this fraction of its value.'),
  session: z
    .string()
    .nullable()
    .default(null)
    .describe('Intraday trading session, HH:MM-HH:MM in timeZone (null = trade every bar); bars outside it may only hold.'),
  timeZone: z.string().default('UTC').describe("The session's IANA time zone, e.g. America/New_York (daylight saving handled)."),
  noEntryMinutes: z.number().int().min(0).max(1440).default(0).describe('No new positions in the last this many minutes of a session.'),
  flattenAtClose: z.boolean().default(false).describe("Close any position at the session's last bar."),
  regimeLabels: z
    .boolean()
    .default(false)
    .describe("Add the bar's regime (TREND, RANGE, BREAKOUT, MEAN_REVERSION) one-hot to the observation."),
  drawdownSquaredPenalty: z.number().min(0).default(0).describe('Reward − this × drawdown² each step (RL v3: 50).'),
  regimeAlignmentBonus: z
    .number()
    .min(0)
    .default(0)
    .describe("Reward + this on steps whose position agrees with the regime's direction (RL v3: 2)."),
  survivalBonus: z.number().min(0).default(0).describe('Reward + this for each step the account survives (RL v3: 0.1).'),
  seed: z.number().int().describe('Seed of episode starts.'),
});

/** Settings of the trading environment (see envConfigSchema for each field). */
export type EnvConfig = z.infer<typeof envConfigSchema>;

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
