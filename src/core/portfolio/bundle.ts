import { z } from '../schema';
import { bytesToBase64, base64ToBytes } from '../model/base64';
import { BundleError } from '../model/errors';
import { checkScaler } from '../model/validation';
import { FEATURE_NAMES, type Scaler } from '../features';
import type { BacktestMetrics } from '../backtest/types';
import { portfolioTrainingConfigSchema, type PortfolioTrainingConfig } from './trainingConfig';
import { portfolioWeightShapes } from './policyPlan';
import type { PortfolioMetrics } from './runner';
import type { ReturnFit } from './prepare';
import type { PortfolioMode } from './types';

export const PORTFOLIO_BUNDLE_FORMAT = 'ppo-trading-lab/portfolio-model';
export const PORTFOLIO_BUNDLE_VERSION = 1;

/** One file of the portfolio as it was when the model trained: to recognise it again, not the data. */
export interface PortfolioAssetFingerprint {
  name: string;
  fileName: string;
  rows: number;
  /** FNV-1a of the aligned close series. */
  closeHash: string;
}

export interface PortfolioSplitSpan {
  firstTime: number;
  lastTime: number;
  bars: number;
}

/** A trained portfolio agent in one JSON file (`NAME.portfolio.json`). */
export interface PortfolioBundle {
  format: typeof PORTFOLIO_BUNDLE_FORMAT;
  formatVersion: number;
  kind: 'portfolio';
  name: string;
  createdAt: string;
  config: PortfolioTrainingConfig;
  /** The assets it trained on, in order. The Enhanced (per-asset) model also runs on other assets of the same features. */
  assets: string[];
  observation: { lookback: number; featureCount: number; mode: PortfolioMode; featureNames: string[] };
  /** One scaler per training asset, fitted on its training split. */
  scalers: Scaler[];
  returns: ReturnFit;
  data: {
    files: PortfolioAssetFingerprint[];
    join: 'inner' | 'forward-fill';
    maxFillBars: number;
    bars: number;
    intervalMs: number;
    splits: Record<'train' | 'validation' | 'test', PortfolioSplitSpan>;
  };
  training: {
    timesteps: number;
    episodes: number;
    updates: number;
    wallTimeMs: number;
    backend: string;
    stopReason: string;
    /** Update of the kept checkpoint and its validation score (null: none evaluated, the last weights kept). */
    selection: { update: number; score: number; basis: string; evaluations: number } | null;
  };
  metrics: {
    validation: BacktestMetrics | null;
    test: BacktestMetrics | null;
    testPortfolio: PortfolioMetrics | null;
  };
  /** Each parameter by name: shape and little-endian float32 values in base64. */
  weights: { name: string; shape: number[]; data: string }[];
}

const span = z.strictObject({ firstTime: z.number(), lastTime: z.number(), bars: z.number().int().min(0) });
const text = (max: number) => z.string().max(max);

const bundleSchema = z.strictObject({
  format: z.literal(PORTFOLIO_BUNDLE_FORMAT),
  formatVersion: z.literal(PORTFOLIO_BUNDLE_VERSION),
  kind: z.literal('portfolio'),
  name: z.string().min(1).max(200),
  createdAt: text(40),
  config: portfolioTrainingConfigSchema,
  assets: z.array(text(200)).min(2).max(50),
  observation: z.strictObject({
    lookback: z.number().int().min(1).max(512),
    featureCount: z.number().int().min(1).max(FEATURE_NAMES.length),
    mode: z.enum(['long-only', 'long-short']),
    featureNames: z.array(z.enum(FEATURE_NAMES as [string, ...string[]])).min(1),
  }),
  scalers: z.array(z.unknown()).min(2).max(50),
  returns: z.strictObject({ mean: z.array(z.number()), covariance: z.array(z.number()), bars: z.number().int().min(0) }),
  data: z.strictObject({
    files: z.array(z.strictObject({ name: text(200), fileName: text(500), rows: z.number().int().min(0), closeHash: text(40) })),
    join: z.enum(['inner', 'forward-fill']),
    maxFillBars: z.number().int().min(0).max(100),
    bars: z.number().int().min(0),
    intervalMs: z.number().min(0),
    splits: z.strictObject({ train: span, validation: span, test: span }),
  }),
  training: z.strictObject({
    timesteps: z.number().int().min(0),
    episodes: z.number().int().min(0),
    updates: z.number().int().min(0),
    wallTimeMs: z.number().min(0),
    backend: text(40),
    stopReason: text(40),
    selection: z
      .strictObject({ update: z.number().int().min(0), score: z.number(), basis: text(40), evaluations: z.number().int().min(0) })
      .nullable(),
  }),
  metrics: z.strictObject({ validation: z.unknown().nullable(), test: z.unknown().nullable(), testPortfolio: z.unknown().nullable() }),
  weights: z.array(z.strictObject({ name: text(200), shape: z.array(z.number().int().min(0)).max(4), data: z.string() })).max(512),
});

export function serializePortfolioBundle(bundle: PortfolioBundle): string {
  return JSON.stringify(bundle);
}

/** Encodes named float32 parameters for the bundle. */
export function encodeWeights(weights: ReadonlyMap<string, Float32Array>, shapes: [string, number[]][]): PortfolioBundle['weights'] {
  return shapes.map(([name, shape]) => {
    const values = weights.get(name)!;
    return { name, shape, data: bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)) };
  });
}

/** The parameters by name, each checked against the shape the config implies. */
export function decodeWeights(bundle: PortfolioBundle): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of bundle.weights) {
    const bytes = base64ToBytes(w.data);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    out.set(w.name, values);
  }
  return out;
}

/**
 * Reads a portfolio model file: the format, the config, the observation, one scaler per asset, and
 * every weight's name, shape and size against what the config implies. Errors name the field.
 */
export function parsePortfolioBundle(text: string): PortfolioBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BundleError(
      `This is not a portfolio model file: it is not valid JSON (${(error as Error).message}). Export the model again.`,
    );
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== PORTFOLIO_BUNDLE_FORMAT) {
    throw new BundleError(
      format === 'ppo-trading-lab/model'
        ? 'This is a single-asset model file; open it with the single-asset tools (backtest, predict), not as a portfolio.'
        : `This is not a portfolio model file: its "format" field is not "${PORTFOLIO_BUNDLE_FORMAT}".`,
      'format',
    );
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new BundleError(`The portfolio model file is invalid at "${field}": ${issue.message}. Export the model again.`, field);
  }
  const b = parsed.data as unknown as PortfolioBundle;
  const n = b.assets.length;
  if (b.scalers.length !== n) throw new BundleError(`The file has ${b.scalers.length} scalers for ${n} assets.`, 'scalers');
  b.scalers = b.scalers.map((s) => checkScaler(s));
  if (b.observation.featureNames.length !== b.observation.featureCount) {
    throw new BundleError('The feature names and the feature count disagree.', 'observation.featureCount');
  }
  if (b.returns.mean.length !== n || b.returns.covariance.length !== n * n) {
    throw new BundleError(`The return statistics do not cover the ${n} assets.`, 'returns');
  }
  const expected = portfolioWeightShapes(
    { assets: n, lookback: b.observation.lookback, featureCount: b.observation.featureCount, mode: b.observation.mode },
    b.config.network,
  );
  const byName = new Map(b.weights.map((w) => [w.name, w]));
  for (const [name, shape] of expected) {
    const w = byName.get(name);
    if (!w) throw new BundleError(`The weight "${name}" is missing.`, 'weights');
    if (w.shape.join() !== shape.join()) throw new BundleError(`The weight "${name}" has shape [${w.shape}], not [${shape}].`, 'weights');
    const size = shape.reduce((a, x) => a * x, 1);
    if (base64ToBytes(w.data).byteLength !== size * 4)
      throw new BundleError(`The weight "${name}" does not hold ${size} values.`, 'weights');
  }
  if (b.weights.length !== expected.length)
    throw new BundleError(`The file has ${b.weights.length} weights; the config needs ${expected.length}.`, 'weights');
  return b;
}
