import { z } from '../schema';

/**
 * Contracts of experiments at scale (issue #20): the run record every run writes (app and CLI, one
 * JSON object, JSON lines in a runs folder), and the sweep spec the app, the CLI and the cluster
 * exports share. Field names the issue spells out are a contract: keep them.
 */

export const RUN_RECORD_FORMAT = 'ppo-trading-lab/run';
export const RUN_RECORD_VERSION = 1;

/** Most points per curve a run record keeps (a curve is downsampled to this). */
export const CURVE_POINT_BUDGET = 2000;

const finite = z.number();
const metrics = z.record(z.string().max(40), z.unknown()).nullable();

export const curveSchema = z.strictObject({
  /** e.g. 'episodeReward', 'policyLoss', 'valueLoss', 'entropy', 'approxKl', 'validationSharpe', 'validationReturn'. */
  name: z.string().min(1).max(60),
  /** Timesteps (or bar times for equity). */
  x: z.array(finite).max(CURVE_POINT_BUDGET),
  y: z.array(finite.nullable()).max(CURVE_POINT_BUDGET),
});

export const runRecordSchema = z.strictObject({
  format: z.literal(RUN_RECORD_FORMAT),
  version: z.literal(RUN_RECORD_VERSION),
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  kind: z.enum(['single', 'portfolio']),
  source: z.enum(['app', 'cli', 'sweep']),
  createdAt: z.string().max(40),
  /** Set when the run is a sweep's trial. */
  sweep: z
    .strictObject({
      id: z.string().max(100),
      trial: z.number().int().min(0),
      parameters: z.record(z.string().max(100), z.union([finite, z.string().max(200), z.boolean()])),
    })
    .nullable(),
  /** The full training config (single: TrainingConfig, portfolio: PortfolioTrainingConfig), as saved in the model file. */
  config: z.record(z.string(), z.unknown()),
  /** What data it trained on: file name(s), rows, range, interval and close hash(es), no prices. */
  data: z.strictObject({
    fileName: z.string().max(2000),
    rows: z.number().int().min(0),
    firstTime: finite,
    lastTime: finite,
    intervalMs: finite,
    closeHash: z.string().max(500),
  }),
  backend: z.string().max(40),
  threads: z.number().int().min(1),
  wallTimeMs: finite,
  timesteps: z.number().int().min(0),
  updates: z.number().int().min(0),
  episodes: z.number().int().min(0),
  stopReason: z.string().max(40),
  curves: z.array(curveSchema).max(32),
  /** The kept checkpoint's validation equity, downsampled: x bar times, y equity. */
  validationEquity: curveSchema.nullable(),
  /** The kept checkpoint's validation metrics and the test metrics, as BacktestMetrics. */
  final: z.strictObject({ validation: metrics, test: metrics }),
  /** How the kept checkpoint was chosen; null when none was evaluated. */
  best: z.strictObject({ update: z.number().int().min(0), score: finite, basis: z.string().max(40) }).nullable(),
  /** The model library id when the model was saved, else null. */
  modelId: z.string().max(100).nullable(),
  /** The run failed or was stopped with this message (null when it finished). */
  error: z.string().max(2000).nullable(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
export type RunCurve = z.infer<typeof curveSchema>;

/** A parameter's range in a sweep: a list of values, or a numeric interval (log-uniform with `log`). */
export const sweepParameterSchema = z.union([
  z.strictObject({
    values: z
      .array(z.union([finite, z.string().max(200), z.boolean()]))
      .min(1)
      .max(1000),
  }),
  z
    .strictObject({ min: finite, max: finite, log: z.boolean().optional(), integer: z.boolean().optional() })
    .refine((r) => r.max >= r.min, { message: 'max must be at least min', path: ['max'] })
    .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0', path: ['min'] }),
]);

/**
 * A sweep, the same file for the app (export/import) and the CLI:
 * {"data": "FILE", "base": {…overrides…}, "steps": N, "method": "grid"|"random", "trials": N, "seed": S,
 *  "parameters": {"ppo.learningRate": {"min": 1e-5, "max": 1e-3, "log": true}, "ppo.entropyCoef": {"values": [0, 0.01, 0.05]}}}
 * Parameter names are the config's dotted paths. `method: "halving"` adds successive halving by
 * validation Sharpe (`halving.eta`, `halving.minSteps`).
 */
export const sweepSpecSchema = z.strictObject({
  data: z.string().min(1).max(2000),
  variant: z.enum(['standard', 'maskable', 'enhanced-maskable']).optional(),
  base: z.record(z.string(), z.unknown()).default({}),
  steps: z.number().int().min(1),
  method: z.enum(['grid', 'random', 'halving']),
  trials: z.number().int().min(1).max(10_000),
  seed: z.number().int().min(0).default(1),
  parameters: z.record(z.string().max(100), sweepParameterSchema),
  halving: z.strictObject({ eta: z.number().int().min(2).max(10).default(3), minSteps: z.number().int().min(1) }).optional(),
});

export type SweepSpec = z.infer<typeof sweepSpecSchema>;
export type SweepParameter = z.infer<typeof sweepParameterSchema>;

/** One trial of a sweep: its index and the overrides it trains with (base + its parameter values). */
export interface SweepTrial {
  index: number;
  parameters: Record<string, number | string | boolean>;
}
