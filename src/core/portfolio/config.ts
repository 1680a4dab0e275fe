import { z } from '../schema';
import { FILL_AT } from '../env/config';

export const PORTFOLIO_MODES = ['long-only', 'long-short'] as const;

const fraction = z.number().min(0).max(1);

/**
 * Settings of the portfolio environment: type, bounds and one line each (the form and the CLI help
 * read them); the risk helpers are off (null) by default.
 */
export const portfolioEnvSchema = z.object({
  lookback: z.number().int().min(1).max(512).default(30).describe('Bars of scaled features per asset in each observation.'),
  numEnvs: z.number().int().min(1).max(256).default(8).describe('Episodes stepped together.'),
  episodeLength: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe("Steps after which an episode is truncated (it also ends at the split's last bar)."),
  initialCapital: z.number().positive().default(10_000).describe('Account value at the start of every episode.'),
  mode: z
    .enum(PORTFOLIO_MODES)
    .default('long-only')
    .describe('long-only: weights ≥ 0 over the assets and cash, summing to 1. long-short: a weight in [−1, 1] per asset.'),
  maxLeverage: z
    .number()
    .min(1)
    .max(10)
    .default(1)
    .describe('Largest gross exposure (sum of |weights|) as a multiple of equity; long-short weights are scaled down to it.'),
  transactionCost: z.number().min(0).max(0.1).default(0.001).describe('Cost per rebalance as a fraction of turnover (traded value).'),
  rebalanceThreshold: fraction.default(0).describe("Skip an asset's trade when its weight would change by less than this."),
  fillAt: z.enum(FILL_AT).default('nextOpen').describe("Rebalance at the next bar's open (nextOpen) or at the decision bar's close."),
  borrowRatePerBar: z.number().min(0).max(0.1).default(0.0002).describe('Charged each bar on the part of gross exposure above equity.'),
  rewardScale: z.number().positive().default(1).describe('Multiplies the reward, the log growth of equity.'),
  drawdownPenalty: z.number().min(0).default(0).describe("Reward penalty per unit increase of the episode's drawdown."),
  volatilityPenalty: z.number().min(0).default(0).describe('Reward penalty per unit of rolling volatility of step returns.'),
  volatilityWindow: z.number().int().min(2).max(10_000).default(20).describe('Steps of the rolling volatility of volatilityPenalty.'),
  bustThreshold: fraction.default(0.5).describe('An episode terminates when equity falls below this fraction of initial capital.'),
  drawdownLimit: fraction
    .nullable()
    .default(null)
    .describe("All weights go to cash while the episode's drawdown exceeds this (null = off)."),
  drawdownCooldownBars: z
    .number()
    .int()
    .min(0)
    .default(20)
    .describe('Bars in cash after the drawdown limit before the risk peak resets and trading resumes (0 = cash for the episode).'),
  targetVolatility: z
    .number()
    .gt(0)
    .max(5)
    .nullable()
    .default(null)
    .describe(
      "Dynamic leverage: scale the exposure so the portfolio's forecast annual volatility is this, up to maxLeverage (null = off).",
    ),
  forecastWindow: z.number().int().min(5).max(2000).default(60).describe('Bars of returns behind the volatility forecast and the betas.'),
  kellyCap: z
    .number()
    .gt(0)
    .max(1)
    .nullable()
    .default(null)
    .describe(
      "Fractional Kelly: scale the exposure by this × the Kelly leverage of the chosen weights, from the training split's mean returns and covariance (null = off).",
    ),
  hedgeThreshold: fraction
    .nullable()
    .default(null)
    .describe("While the drawdown exceeds this, short the benchmark against the portfolio's beta (null = off)."),
  hedgeRatio: fraction.default(0.5).describe('Share of the portfolio beta the hedge shorts.'),
  hedgeBenchmark: z.string().nullable().default(null).describe("The asset to hedge with (one of the portfolio's; null = the first)."),
  maxRiskPerAsset: fraction
    .nullable()
    .default(null)
    .describe('Cap each weight so an atrMultiple × ATR(14) move costs at most this fraction of equity (null = off).'),
  atrMultiple: z.number().gt(0).max(100).default(2).describe('ATR multiple of maxRiskPerAsset.'),
  seed: z.number().int().default(1).describe('Seed of episode starts.'),
});

export type PortfolioEnvConfig = z.infer<typeof portfolioEnvSchema>;

export const DEFAULT_PORTFOLIO_ENV: PortfolioEnvConfig = portfolioEnvSchema.parse({});
