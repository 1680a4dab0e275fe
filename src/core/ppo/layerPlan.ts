import type { NetworkConfig } from './config';
import type { EncoderDims, ObservationSpec } from './network';

// Pure arithmetic, no tfjs: the model bundle checks a file's manifest against this before any tensor exists.

/** How a parameter starts when a network is created rather than loaded. */
export type ParamInit = { kind: 'orthogonal'; gain: number } | { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };

export interface ParamPlan {
  name: string;
  shape: number[];
  init: ParamInit;
}

/** A dense layer x·kernel + bias; `kernel` and `bias` index LayerPlan.params. */
export interface DensePlan {
  name: string;
  inputs: number;
  units: number;
  kernel: number;
  bias: number;
}

/**
 * An output head: a dense layer over the trunk's last activations, read by the loss as its `kind`
 * says: the policy's logits, one value, or the quantiles of the return (quantiles.ts). A new head (a
 * Gaussian policy's mean and log-std) is a new kind here with its own units; see GradientEngine
 * (engine.ts) for what the rest of the code then needs.
 */
export interface HeadPlan {
  kind: 'categorical-policy' | 'value' | 'quantile-value';
  dense: DensePlan;
}

/**
 * The network a spec and config describe, layer by layer: the one place that knows parameter names,
 * shapes, order and initialisation. ActorCritic builds its variables from `params` (the order a
 * bundle stores them in), its forward pass and the host engine walk `trunk` and `heads` by index,
 * and the Layers export names its layers after them.
 */
export interface LayerPlan {
  params: ParamPlan[];
  /** The attention encoder's parameters, by their names inside the encoder (`embed/kernel`…); null for the MLP. */
  encoder: { dims: EncoderDims; index: ReadonlyMap<string, number> } | null;
  /** Width of the vector the trunk reads: the observation (MLP) or the pooled encoding plus the state. */
  trunkInputs: number;
  /** True when the first trunk layer reads the observations themselves, which need no gradient. */
  trunkReadsObservations: boolean;
  trunk: DensePlan[];
  activation: NetworkConfig['activation'];
  /** Share of each trunk layer's activations dropped in training forward passes (0: none). */
  trunkDropout: number;
  /** In output order: the policy's logits, then the value (one output, or the quantiles). */
  heads: HeadPlan[];
}

const HIDDEN_GAIN = Math.SQRT2;

/** Orthogonal initialisation gains √2 (hidden), 0.01 (policy head) and 1 (value head), biases 0 — the CleanRL / SB3 convention. */
export function layerPlan(spec: ObservationSpec, config: NetworkConfig): LayerPlan {
  const params: ParamPlan[] = [];
  const dense = (name: string, inputs: number, units: number, gain: number): DensePlan => {
    params.push({ name: `${name}/kernel`, shape: [inputs, units], init: { kind: 'orthogonal', gain } });
    params.push({ name: `${name}/bias`, shape: [units], init: { kind: 'zeros' } });
    return { name, inputs, units, kernel: params.length - 2, bias: params.length - 1 };
  };
  let encoder: LayerPlan['encoder'] = null;
  let width = spec.lookback * spec.featureCount + spec.stateSize;
  if (config.encoder === 'attention') {
    const dims = {
      lookback: spec.lookback,
      featureCount: spec.featureCount,
      modelDim: config.modelDim,
      heads: config.attentionHeads,
      layers: config.attentionLayers,
    };
    const index = new Map<string, number>();
    // Named "encoder/…" like the weights of the Layers export's encoder layer, so one set of weights serves both.
    for (const p of encoderParams(dims)) {
      index.set(p.name, params.length);
      params.push({ ...p, name: `encoder/${p.name}` });
    }
    encoder = { dims, index };
    width = config.modelDim + spec.stateSize;
  }
  const trunkInputs = width;
  const trunk = config.hidden.map((units, i) => {
    const layer = dense(`trunk${i}`, width, units, HIDDEN_GAIN);
    width = units;
    return layer;
  });
  const heads: HeadPlan[] = [
    { kind: 'categorical-policy', dense: dense('policy', width, spec.numActions, 0.01) },
    config.critic === 'quantile'
      ? { kind: 'quantile-value', dense: dense('value', width, config.quantiles, 1) }
      : { kind: 'value', dense: dense('value', width, 1, 1) },
  ];
  return {
    params,
    encoder,
    trunkInputs,
    trunkReadsObservations: encoder === null,
    trunk,
    activation: config.activation,
    trunkDropout: config.dropout,
    heads,
  };
}

/** The encoder's parameters, in creation order, named inside the encoder. */
export function encoderParams(dims: EncoderDims): ParamPlan[] {
  const { lookback: L, featureCount: F, modelDim: d, layers } = dims;
  const out: ParamPlan[] = [];
  const dense = (name: string, inputs: number, units: number, gain: number) =>
    out.push(
      { name: `${name}/kernel`, shape: [inputs, units], init: { kind: 'orthogonal', gain } },
      { name: `${name}/bias`, shape: [units], init: { kind: 'zeros' } },
    );
  const norm = (name: string) =>
    out.push({ name: `${name}/gamma`, shape: [d], init: { kind: 'ones' } }, { name: `${name}/beta`, shape: [d], init: { kind: 'zeros' } });
  dense('embed', F, d, 1);
  out.push({ name: 'position', shape: [L, d], init: { kind: 'normal', std: 0.02 } });
  for (let l = 0; l < layers; l++) {
    const p = `block${l}`;
    norm(`${p}/norm1`);
    for (const n of ['query', 'key', 'value', 'out']) dense(`${p}/${n}`, d, d, 1);
    norm(`${p}/norm2`);
    dense(`${p}/ffn1`, d, 2 * d, HIDDEN_GAIN);
    dense(`${p}/ffn2`, 2 * d, d, 1);
  }
  norm('pool/norm');
  return out;
}

/** Names and shapes of the encoder's weights, in the order ActorCritic creates them. */
export function encoderWeightShapes(dims: EncoderDims): [string, number[]][] {
  return encoderParams(dims).map((p) => [p.name, p.shape]);
}

/** Names and shapes of every parameter, in the order ActorCritic creates (and a bundle stores) them. */
export function networkWeightShapes(spec: ObservationSpec, config: NetworkConfig): [string, number[]][] {
  return layerPlan(spec, config).params.map((p) => [p.name, p.shape]);
}
