import * as tf from '@tensorflow/tfjs';
import { z } from '../schema';
import { trainingConfigSchema, type TrainingConfig } from '../ppo/config';
import { PpoAttentionEncoder } from './attentionLayer';
import { ActorCritic, encoderWeightShapes, observationSize, type ObservationSpec } from '../ppo/network';
import type { Adam } from '../ppo/adam';
import type { BacktestMetrics } from '../backtest/types';
import { base64ToBytes, bytesToBase64 } from './base64';
import type { Scaler } from '../features';
import type { RegimeSpec } from '../env/prepare';

export const BUNDLE_FORMAT = 'ppo-trading-lab/model';
export const BUNDLE_VERSION = 1;

/** A problem with a model file or with using it on some data; the message says what and what to do. */
export class BundleError extends Error {
  override name = 'BundleError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

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
  data: DataFingerprint;
  training: { timesteps: number; episodes: number; updates: number; wallTimeMs: number; backend: string; stopReason: string };
  metrics: { validation: BacktestMetrics | null; test: BacktestMetrics | null };
  /** TF.js weights; `modelTopology` is a Layers model (MLP encoders) loadable by tf.loadLayersModel. */
  network: { modelTopology: unknown | null; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: string };
  /** Adam moments, to resume training exactly; null when not saved. */
  optimizer: { step: number; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: string } | null;
}

const weightSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
});

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

// Strict object schemas: unknown keys are rejected, and zod builds fresh objects, so a "__proto__"
// key in an imported file never reaches an object prototype.
const metricsSchema = z.record(z.string(), z.number().nullable()).nullable();

export const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.number().int(),
  name: z.string().min(1).max(200),
  createdAt: z.string(),
  variant: z.enum(['standard', 'maskable', 'enhanced-maskable']),
  config: trainingConfigSchema,
  observation: z.strictObject({
    lookback: z.number().int().min(1),
    featureCount: z.number().int().min(1),
    stateSize: z.number().int().min(0),
    numActions: z.literal(3),
    featureNames: z.array(z.string()),
    contextNames: z.array(z.string()),
  }),
  scaler: z.strictObject({
    version: z.literal(1),
    names: z.array(z.string()),
    mean: z.array(finite),
    std: z.array(finite),
    clip: finite,
  }),
  regimes: z.strictObject({ volatilityLow: finite, volatilityHigh: finite, trendScale: finite }).nullable(),
  data: z.strictObject({
    fileName: z.string(),
    columns: z.array(z.string()),
    rows: z.number().int(),
    firstTime: z.number(),
    lastTime: z.number(),
    intervalMs: z.number(),
    closeHash: z.string(),
  }),
  training: z.strictObject({
    timesteps: z.number().int().min(0),
    episodes: z.number().int().min(0),
    updates: z.number().int().min(0),
    wallTimeMs: z.number().min(0),
    backend: z.string(),
    stopReason: z.string(),
  }),
  metrics: z.strictObject({ validation: metricsSchema, test: metricsSchema }),
  network: z.strictObject({ modelTopology: z.unknown().nullable(), weightSpecs: z.array(weightSpec), weightData: z.string() }),
  optimizer: z.strictObject({ step: z.number().int().min(0), weightSpecs: z.array(weightSpec), weightData: z.string() }).nullable(),
});

export interface BundleInput {
  name: string;
  config: TrainingConfig;
  network: ActorCritic;
  optimizer: Adam | null;
  featureNames: string[];
  contextNames: string[];
  scaler: Scaler;
  regimes: RegimeSpec | null;
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

/** Parses and validates a bundle file's text; every failure names what is wrong. */
export function parseBundle(text: string): ModelBundle {
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
  if (version !== BUNDLE_VERSION) {
    throw new BundleError(
      `The model file has format version ${String(version)}; this app reads version ${BUNDLE_VERSION}. ` +
        (typeof version === 'number' && version > BUNDLE_VERSION ? 'Update the app to open it.' : 'Re-export it from a current version.'),
      'formatVersion',
    );
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleError(`The model file is invalid at "${issue.path.join('.')}": ${issue.message}.`, issue.path.join('.'));
  }
  const bundle = parsed.data as ModelBundle;
  checkConsistency(bundle);
  return bundle;
}

function checkConsistency(b: ModelBundle): void {
  const o = b.observation;
  if (o.featureNames.length !== o.featureCount) {
    throw new BundleError(`The model file lists ${o.featureNames.length} feature names but says it has ${o.featureCount} features.`, 'observation');
  }
  if (b.scaler.names.join() !== o.featureNames.join() || b.scaler.mean.length !== o.featureCount || b.scaler.std.length !== o.featureCount) {
    throw new BundleError('The model file\'s scaler does not match its feature list.', 'scaler');
  }
  if (o.lookback !== b.config.env.lookback) {
    throw new BundleError(`The model file's lookback (${o.lookback}) differs from its config (${b.config.env.lookback}).`, 'observation.lookback');
  }
  const expectedBytes = b.network.weightSpecs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, c) => a * c, 1), 0);
  const actualBytes = Math.floor((b.network.weightData.length * 3) / 4) - (b.network.weightData.match(/=*$/)?.[0].length ?? 0);
  if (actualBytes !== expectedBytes) {
    throw new BundleError(
      `The model file's weights are ${actualBytes} bytes but its manifest needs ${expectedBytes}: the file is truncated or was altered. Export the model again.`,
      'network.weightData',
    );
  }
}

/** Builds the network a bundle describes and loads its weights; shape mismatches are named. */
export function loadNetwork(bundle: ModelBundle): ActorCritic {
  const spec: ObservationSpec = {
    lookback: bundle.observation.lookback,
    featureCount: bundle.observation.featureCount,
    stateSize: bundle.observation.stateSize,
    numActions: bundle.observation.numActions,
  };
  const net = new ActorCritic(spec, bundle.config.network, bundle.config.seed);
  try {
    const tensors = decode(bundle.network.weightSpecs, bundle.network.weightData, 'network.weightData');
    try {
      const ordered = net.params.map((p) => {
        const t = tensors[p.name];
        if (!t) throw new BundleError(`The model file has no weights for layer ${p.name}.`, 'network.weightSpecs');
        const got = t.shape.join('×');
        const want = p.variable.shape.join('×');
        if (got !== want) throw new BundleError(`Weights ${p.name} have shape ${got}; the network described by the file needs ${want}.`, 'network.weightSpecs');
        return t;
      });
      net.setWeights(ordered);
    } finally {
      Object.values(tensors).forEach((t) => t.dispose());
    }
  } catch (error) {
    net.dispose();
    throw error;
  }
  return net;
}

/** Restores Adam's moments from a bundle into an optimizer built over `net`. */
export function restoreOptimizer(bundle: ModelBundle, net: ActorCritic, optimizer: Adam): boolean {
  if (!bundle.optimizer) return false;
  // Plain arrays, not tensors: reading tensors back synchronously would stall (or, on WebGPU, break) the device.
  const arrays = decodeArrays(bundle.optimizer.weightSpecs, bundle.optimizer.weightData, 'optimizer.weightData');
  const m = net.params.map((p) => arrays.get(`m/${p.name}`));
  const v = net.params.map((p) => arrays.get(`v/${p.name}`));
  const fits = (a: Float32Array | undefined, i: number): a is Float32Array => a !== undefined && a.length === net.params[i].variable.size;
  if (!m.every(fits) || !v.every(fits)) throw new BundleError('The model file\'s optimizer state does not match its network.', 'optimizer');
  optimizer.restore({ step: bundle.optimizer.step, m, v });
  return true;
}

/** float32 weights as named arrays, checked against the bytes there are. */
function decodeArrays(specs: tf.io.WeightsManifestEntry[], data: string, field: string): Map<string, Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data);
  } catch (error) {
    throw new BundleError(`The model file's ${field} is damaged: ${(error as Error).message}.`, field);
  }
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization) throw new BundleError(`The model file's ${field} holds ${spec.name} as ${spec.dtype}${spec.quantization ? ' (quantized)' : ''}; only float32 is supported.`, field);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength) throw new BundleError(`The model file's ${field} is shorter than its weights need (${spec.name}).`, field);
    // A copy: the decoded bytes need not be 4-byte aligned.
    out.set(spec.name, new Float32Array(bytes.slice(offset, offset + size * 4).buffer));
    offset += size * 4;
  }
  return out;
}

function decode(specs: tf.io.WeightsManifestEntry[], data: string, field: string): tf.NamedTensorMap {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data);
  } catch (error) {
    throw new BundleError(`The model file's ${field} is damaged: ${(error as Error).message}.`, field);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, specs);
}

/**
 * The network as a TF.js Layers model (model.json topology + weights): standard layers for MLP
 * encoders, plus the registered PpoAttentionEncoder layer for the attention encoder.
 */
export async function toLayersModel(net: ActorCritic): Promise<tf.LayersModel> {
  const input = tf.input({ shape: [observationSize(net.spec)], name: 'observation' });
  let h: tf.SymbolicTensor = input;
  const encoder =
    net.config.encoder === 'attention'
      ? new PpoAttentionEncoder({
          name: 'encoder',
          lookback: net.spec.lookback,
          featureCount: net.spec.featureCount,
          stateSize: net.spec.stateSize,
          modelDim: net.config.modelDim,
          heads: net.config.attentionHeads,
          layers: net.config.attentionLayers,
        })
      : null;
  if (encoder) h = encoder.apply(h) as tf.SymbolicTensor;
  net.config.hidden.forEach((units, i) => {
    h = tf.layers.dense({ units, activation: net.config.activation, name: `trunk${i}` }).apply(h) as tf.SymbolicTensor;
  });
  const policy = tf.layers.dense({ units: net.spec.numActions, name: 'policy' }).apply(h) as tf.SymbolicTensor;
  const value = tf.layers.dense({ units: 1, name: 'value' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [policy, value], name: 'actor_critic' });
  for (const layer of model.layers) {
    if (layer.name === 'observation') continue;
    if (layer === encoder) {
      const dims = { lookback: net.spec.lookback, featureCount: net.spec.featureCount, modelDim: net.config.modelDim, heads: net.config.attentionHeads, layers: net.config.attentionLayers };
      layer.setWeights(encoderWeightShapes(dims).map(([name]) => paramOf(net, `encoder/${name}`)));
      continue;
    }
    layer.setWeights([paramOf(net, `${layer.name}/kernel`), paramOf(net, `${layer.name}/bias`)]);
  }
  return model;
}

function paramOf(net: ActorCritic, name: string): tf.Tensor {
  const p = net.params.find((q) => q.name === name);
  if (!p) throw new BundleError(`Network has no weights named ${name}.`);
  return p.variable;
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
