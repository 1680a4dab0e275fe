import * as tf from '@tensorflow/tfjs';
import { z } from '../schema';
import { trainingConfigSchema, type TrainingConfig } from '../ppo/config';
import { PpoAttentionEncoder } from './attentionLayer';
import { ActorCritic, observationSize, type ObservationSpec } from '../ppo/network';
import { encoderWeightShapes, type DensePlan } from '../ppo/layerPlan';
import type { Optimizer } from '../ppo/adam';
import type { BacktestMetrics } from '../backtest/types';
import { bytesToBase64 } from './base64';
import { FEATURE_NAMES, type Scaler } from '../features';
import { MAX_LOOKBACK } from '../env/config';
import { REGIME_CONTEXT_NAMES, type RegimeSpec } from '../env/prepare';
import { regimeRulesSchema, type RegimeRules } from '../features/tradeRegimes';
import { ACCOUNT_FEATURES, NUM_ACTIONS, SIZED_ACTION_NAMES } from '../env/tradingEnv';
import { BundleError } from './errors';
import {
  checkConfig,
  checkFileSize,
  checkManifest,
  checkRawText,
  checkObservation,
  checkScaler,
  checkTopology,
  decodeWeights,
  expectedMoments,
  expectedWeights,
  MAX_STATE_SIZE,
  momentRange,
  REEXPORT,
  STRING_LIMITS,
  weightRange,
} from './validation';

export const BUNDLE_FORMAT = 'ppo-trading-lab/model';
/** Version 2 added the sized action set, sizing, sessions and regime labels; version 1 files still load. */
export const BUNDLE_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export { BundleError };

/** Where the training data came from, to recognise it later (not the data itself). */
export interface DataFingerprint {
  fileName: string;
  columns: string[];
  rows: number;
  firstTime: number;
  lastTime: number;
  intervalMs: number;
  /** FNV-1a hash of the close series, hex. */
  closeHash: string;
  /**
   * The bars each split covered when the model trained (times in ms, inclusive): what an
   * evaluation must stay out of to be out of sample. Absent in bundles saved before it existed.
   */
  splits?: Record<'train' | 'validation' | 'test', SplitSpan>;
}

export interface SplitSpan {
  firstTime: number;
  lastTime: number;
  bars: number;
}

/** How the saved weights were chosen among the run's checkpoints. */
export interface CheckpointSelection {
  /** Update of the selected checkpoint; the bundle's counters and Adam state are this checkpoint's. */
  update: number;
  score: number;
  basis: string;
  /** Validation backtests compared (the trials behind the choice). */
  evaluations: number;
  minTrades: number;
  /** Timesteps the whole run took, beyond the selected checkpoint. */
  runTimesteps: number;
}

export interface ModelBundle {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  name: string;
  createdAt: string;
  variant: TrainingConfig['variant'];
  config: TrainingConfig;
  observation: ObservationSpec & { featureNames: string[]; contextNames: string[] };
  scaler: Scaler;
  regimes: RegimeSpec | null;
  /** RL v3 regime-label rules fitted on the training split (regime labels or alignment bonus); null otherwise. */
  tradeRegimes: RegimeRules | null;
  data: DataFingerprint;
  training: {
    timesteps: number;
    episodes: number;
    updates: number;
    wallTimeMs: number;
    backend: string;
    /** Threads the gradient steps ran on (stepThreads.ts); absent in bundles from before threads. */
    threads?: number;
    stopReason: string;
    /** Null when no checkpoint qualified (the last weights were kept); absent in older bundles. */
    selection?: CheckpointSelection | null;
  };
  metrics: { validation: BacktestMetrics | null; test: BacktestMetrics | null };
  /** TF.js weights; `modelTopology` is a Layers model (MLP encoders) loadable by tf.loadLayersModel. */
  network: { modelTopology: unknown | null; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: string };
  /** Adam moments, to resume training exactly; null when not saved. */
  optimizer: { step: number; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: string } | null;
}

const splitSpanSchema = z.strictObject({ firstTime: z.number(), lastTime: z.number(), bars: z.number().int().min(0) });

const weightSpec = z.strictObject({
  name: z.string().min(1).max(STRING_LIMITS.weightName),
  shape: z.array(z.number().int().min(0)).max(4),
  dtype: z.string().max(STRING_LIMITS.label),
  quantization: z.unknown().optional(),
});

// A network of the largest allowed config has under a hundred weights; the manifest is compared
// name by name with the config's, so this bound only keeps a hostile list short.
const MAX_WEIGHT_SPECS = 512;

const text = (max: number) => z.string().max(max);
// Bundles saved before the metrics said why a figure is missing have no `unavailable`.
const metricsSchema = z
  .object({ unavailable: z.record(text(STRING_LIMITS.label), text(200)).optional() })
  .catchall(z.number().nullable())
  .nullable();

// Strict object schemas: unknown keys are rejected, and zod builds fresh objects, so a "__proto__"
// key in an imported file never reaches an object prototype. zod 4 numbers are finite, so 1e999
// (Infinity after JSON.parse) is refused everywhere.
export const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int(),
  name: z.string().min(1).max(STRING_LIMITS.name),
  createdAt: text(STRING_LIMITS.createdAt).refine((s) => Number.isFinite(Date.parse(s)), 'must be a date such as 2024-05-01T12:00:00.000Z'),
  variant: z.enum(['standard', 'maskable', 'enhanced-maskable']),
  config: trainingConfigSchema,
  observation: z.strictObject({
    lookback: z.number().int().min(1).max(MAX_LOOKBACK),
    featureCount: z.number().int().min(1).max(FEATURE_NAMES.length),
    stateSize: z.number().int().min(ACCOUNT_FEATURES.length).max(MAX_STATE_SIZE),
    numActions: z.union([z.literal(NUM_ACTIONS), z.literal(SIZED_ACTION_NAMES.length)]),
    featureNames: z
      .array(z.enum(FEATURE_NAMES as [string, ...string[]]))
      .min(1)
      .max(FEATURE_NAMES.length),
    contextNames: z.array(text(STRING_LIMITS.label)).max(REGIME_CONTEXT_NAMES.length),
  }),
  scaler: z.unknown(),
  regimes: z
    .strictObject({ volatilityLow: z.number().min(0), volatilityHigh: z.number().min(0), trendScale: z.number().gt(0) })
    .refine((r) => r.volatilityLow <= r.volatilityHigh, {
      message: 'volatilityLow must not exceed volatilityHigh',
      path: ['volatilityLow'],
    })
    .nullable(),
  // Version 1 files have no regime labels.
  tradeRegimes: regimeRulesSchema.nullable().default(null),
  data: z.strictObject({
    fileName: text(STRING_LIMITS.fileName),
    columns: z.array(text(STRING_LIMITS.column)).max(STRING_LIMITS.columns),
    rows: z.number().int().min(0),
    firstTime: z.number(),
    lastTime: z.number(),
    intervalMs: z.number().min(0),
    closeHash: text(STRING_LIMITS.label),
    splits: z.strictObject({ train: splitSpanSchema, validation: splitSpanSchema, test: splitSpanSchema }).optional(),
  }),
  training: z.strictObject({
    timesteps: z.number().int().min(0),
    episodes: z.number().int().min(0),
    updates: z.number().int().min(0),
    wallTimeMs: z.number().min(0),
    backend: text(STRING_LIMITS.label),
    threads: z.number().int().min(1).max(1024).optional(),
    stopReason: text(STRING_LIMITS.label),
    selection: z
      .strictObject({
        update: z.number().int().min(0),
        score: z.number(),
        basis: z.string().max(40),
        evaluations: z.number().int().min(0),
        minTrades: z.number().int().min(0),
        runTimesteps: z.number().int().min(0),
      })
      .nullable()
      .optional(),
  }),
  metrics: z.strictObject({ validation: metricsSchema, test: metricsSchema }),
  network: z.strictObject({
    modelTopology: z.unknown().nullable(),
    weightSpecs: z.array(weightSpec).max(MAX_WEIGHT_SPECS),
    weightData: z.string(),
  }),
  optimizer: z
    .strictObject({ step: z.number().int().min(0), weightSpecs: z.array(weightSpec).max(2 * MAX_WEIGHT_SPECS), weightData: z.string() })
    .nullable(),
});

export interface BundleInput {
  name: string;
  config: TrainingConfig;
  network: ActorCritic;
  optimizer: Optimizer | null;
  featureNames: string[];
  contextNames: string[];
  scaler: Scaler;
  regimes: RegimeSpec | null;
  tradeRegimes: RegimeRules | null;
  data: DataFingerprint;
  training: ModelBundle['training'];
  metrics: ModelBundle['metrics'];
}

export async function createBundle(input: BundleInput): Promise<ModelBundle> {
  const net = input.network;
  const weights = await tf.io.encodeWeights(net.params.map((p) => ({ name: p.name, tensor: p.variable })));
  let optimizer: ModelBundle['optimizer'] = null;
  if (input.optimizer) {
    const state = await input.optimizer.state();
    const named = net.params.flatMap((p, i) => [
      { name: `m/${p.name}`, tensor: tf.tensor(state.m[i], p.variable.shape) },
      { name: `v/${p.name}`, tensor: tf.tensor(state.v[i], p.variable.shape) },
    ]);
    const encoded = await tf.io.encodeWeights(named).finally(() => named.forEach((n) => n.tensor.dispose()));
    optimizer = { step: state.step, weightSpecs: encoded.specs, weightData: bytesToBase64(new Uint8Array(encoded.data)) };
  }
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    name: input.name,
    createdAt: new Date().toISOString(),
    variant: input.config.variant,
    config: input.config,
    observation: { ...net.spec, featureNames: input.featureNames, contextNames: input.contextNames },
    scaler: input.scaler,
    regimes: input.regimes,
    tradeRegimes: input.tradeRegimes,
    data: input.data,
    training: input.training,
    metrics: input.metrics,
    network: {
      modelTopology: await layersTopology(net),
      weightSpecs: weights.specs,
      weightData: bytesToBase64(new Uint8Array(weights.data)),
    },
    optimizer,
  };
}

export function serializeBundle(bundle: ModelBundle): string {
  return JSON.stringify(bundle);
}

/**
 * Parses and validates a bundle file's text; every failure is a BundleError naming the field. The
 * text's size and nesting are checked before parsing, and every dimension against the feature list,
 * the variant and the weights before any tensor exists, so a hostile file costs time and memory in
 * proportion to its own size.
 */
export function parseBundle(text: string): ModelBundle {
  checkFileSize(text.length);
  checkRawText(text);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BundleError(
      `This is not a PPO Trading Lab model file: it is not valid JSON (${(error as Error).message}). The file may be truncated; export the model again.`,
    );
  }
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== BUNDLE_FORMAT) {
    throw new BundleError(`This is not a PPO Trading Lab model file: its "format" field is not "${BUNDLE_FORMAT}".`, 'format');
  }
  const version = (raw as { formatVersion?: unknown }).formatVersion;
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) {
    throw new BundleError(
      `The model file has format version ${String(version).slice(0, 20)}; this app reads versions ${READABLE_VERSIONS.join(' and ')}. ` +
        (typeof version === 'number' && version > BUNDLE_VERSION ? 'Update the app to open it.' : 'Re-export it from a current version.'),
      'formatVersion',
    );
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new BundleError(`The model file is invalid at "${field}": ${issue.message}. ${REEXPORT}`, field);
  }
  const b = parsed.data;
  checkConfig(b.config as TrainingConfig);
  const bundle = { ...b, scaler: checkScaler(b.scaler) } as ModelBundle;
  checkObservation(bundle.variant, bundle.config, bundle.observation, bundle.scaler, bundle.regimes);
  checkTopology(bundle.network.modelTopology);
  const weights = expectedWeights(bundle.observation, bundle.config);
  checkManifest(bundle.network.weightSpecs, weights, 'network.weightSpecs');
  decodeWeights(bundle.network.weightData, weights, 'network.weightData', weightRange);
  if (bundle.optimizer) {
    const moments = expectedMoments(weights);
    checkManifest(bundle.optimizer.weightSpecs, moments, 'optimizer.weightSpecs');
    decodeWeights(bundle.optimizer.weightData, moments, 'optimizer.weightData', momentRange);
  }
  return bundle;
}

/**
 * Builds the network a bundle describes from its weights. The manifest is checked against the
 * config and every value decoded before the network exists, which then takes the saved values
 * instead of being initialised.
 */
export function loadNetwork(bundle: ModelBundle): ActorCritic {
  const spec: ObservationSpec = {
    lookback: bundle.observation.lookback,
    featureCount: bundle.observation.featureCount,
    stateSize: bundle.observation.stateSize,
    numActions: bundle.observation.numActions,
  };
  const weights = expectedWeights(spec, bundle.config);
  checkManifest(bundle.network.weightSpecs, weights, 'network.weightSpecs');
  const values = decodeWeights(bundle.network.weightData, weights, 'network.weightData', weightRange);
  return new ActorCritic(spec, bundle.config.network, bundle.config.seed, values);
}

/** Restores Adam's moments from a bundle into an optimizer built over `net`. */
export function restoreOptimizer(bundle: ModelBundle, net: ActorCritic, optimizer: Optimizer): boolean {
  if (!bundle.optimizer) return false;
  // Plain arrays, not tensors: reading tensors back synchronously would stall (or, on WebGPU, break) the device.
  const moments = expectedMoments(net.params.map((p) => [p.name, p.variable.shape]));
  checkManifest(bundle.optimizer.weightSpecs, moments, 'optimizer.weightSpecs');
  const arrays = decodeWeights(bundle.optimizer.weightData, moments, 'optimizer.weightData', momentRange);
  const m = net.params.map((p) => arrays.get(`m/${p.name}`)!);
  const v = net.params.map((p) => arrays.get(`v/${p.name}`)!);
  optimizer.restore({ step: bundle.optimizer.step, m, v });
  return true;
}

/**
 * The network as a TF.js Layers model (model.json topology + weights): standard layers for MLP
 * encoders, plus the registered PpoAttentionEncoder layer for the attention encoder. Layers, names
 * and weights come from the network's layer plan (ppo/layerPlan.ts).
 */
export async function toLayersModel(net: ActorCritic): Promise<tf.LayersModel> {
  const { plan } = net;
  const weight = (index: number): tf.Tensor => net.params[index].variable;
  const input = tf.input({ shape: [observationSize(net.spec)], name: 'observation' });
  let h: tf.SymbolicTensor = input;
  const withWeights: [tf.layers.Layer, tf.Tensor[]][] = [];
  if (plan.encoder) {
    const { dims, index } = plan.encoder;
    const encoder = new PpoAttentionEncoder({ name: 'encoder', ...dims, stateSize: net.spec.stateSize });
    h = encoder.apply(h) as tf.SymbolicTensor;
    withWeights.push([encoder, encoderWeightShapes(dims).map(([name]) => weight(index.get(name) as number))]);
  }
  const dense = (layer: DensePlan, activation?: 'tanh' | 'relu') => {
    const made = tf.layers.dense({ units: layer.units, activation, name: layer.name });
    withWeights.push([made, [weight(layer.kernel), weight(layer.bias)]]);
    return made;
  };
  for (const layer of plan.trunk) h = dense(layer, plan.activation).apply(h) as tf.SymbolicTensor;
  const outputs = plan.heads.map((head) => dense(head.dense).apply(h) as tf.SymbolicTensor);
  const model = tf.model({ inputs: input, outputs, name: 'actor_critic' });
  for (const [layer, weights] of withWeights) layer.setWeights(weights);
  return model;
}

async function layersTopology(net: ActorCritic): Promise<unknown> {
  const model = await toLayersModel(net);
  let topology: unknown = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      topology = artifacts.modelTopology;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return topology;
}

/** FNV-1a over the close prices' bytes: a cheap fingerprint to recognise the same data again. */
export function hashSeries(values: Float64Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The network alone in TF.js's Layers format: `model.json` (topology + weights manifest) and
 * `model.weights.bin`, loadable with tf.loadLayersModel in a page or in Node. An attention network
 * uses the custom layer PpoAttentionEncoder, which the loading code must register (import
 * src/core/model/attentionLayer.ts) before loading.
 */
export async function tfjsModelFiles(bundle: ModelBundle): Promise<{ modelJson: string; weights: ArrayBuffer }> {
  const net = loadNetwork(bundle);
  try {
    const model = await toLayersModel(net);
    let files: { modelJson: string; weights: ArrayBuffer } | null = null;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        const weights = data instanceof ArrayBuffer ? data : tf.io.concatenateArrayBuffers(data as ArrayBuffer[]);
        files = {
          modelJson: JSON.stringify({
            format: 'layers-model',
            generatedBy: `PPO Trading Lab (${bundle.name})`,
            convertedBy: null,
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: ['model.weights.bin'], weights: artifacts.weightSpecs }],
          }),
          weights,
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    model.dispose();
    if (!files) throw new BundleError('The TF.js model could not be written.');
    return files;
  } finally {
    net.dispose();
  }
}
