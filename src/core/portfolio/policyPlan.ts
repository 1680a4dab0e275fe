import { encoderParams, type DensePlan, type ParamInit } from '../ppo/layerPlan';
import type { EncoderDims } from '../ppo/network';
import type { PortfolioNetworkConfig } from './policyConfig';
import { actionDimension, type PortfolioMode, type PortfolioObservationSpec } from './types';

// Pure arithmetic, no tfjs: a model file's weights can be checked against this before any tensor exists.

/** How a parameter starts when the network is created rather than loaded: ppo's kinds, or a constant (the log-std). */
export type PolicyParamInit = ParamInit | { kind: 'constant'; value: number };

export interface PolicyParamPlan {
  name: string;
  shape: number[];
  init: PolicyParamInit;
}

/** The Standard network: flat observation → trunk → mean [actionDim] and value. */
export interface MlpPolicyPlan {
  encoder: 'mlp';
  params: PolicyParamPlan[];
  trunk: DensePlan[];
  mean: DensePlan;
  value: DensePlan;
  /** Index of the log-std vector [actionDim]. */
  logStd: number;
}

/**
 * The Enhanced network. Every shape is independent of the asset count: the window encoder runs on
 * each asset's window, the asset head on each asset, and the log-std has one entry for all assets
 * (and one for cash, long-only).
 */
export interface PerAssetPolicyPlan {
  encoder: 'per-asset';
  params: PolicyParamPlan[];
  /** The attention encoder over one asset's window, its parameters by their names inside the encoder. */
  window: { dims: EncoderDims; index: ReadonlyMap<string, number> };
  /** Pooled window → e_i. */
  embed: DensePlan;
  /** g([e_i, w_i, c]) → u_i: hidden layers, then one output. */
  asset: DensePlan[];
  /** h(c) → u_cash (long-only; null long-short, which has no cash action). */
  cash: DensePlan[] | null;
  /** v(c) → V(s). */
  value: DensePlan[];
  /** Index of the log-std: [asset, cash] long-only, [asset] long-short. */
  logStd: number;
}

export type PortfolioPolicyPlan = MlpPolicyPlan | PerAssetPolicyPlan;

/** The architecture a portfolio policy is built for: the observation's shapes and the action mapping. */
export interface PortfolioPolicySpec extends PortfolioObservationSpec {
  mode: PortfolioMode;
}

const HIDDEN_GAIN = Math.SQRT2;

/**
 * Width of the context c = mean_i e_i ⊕ Σ_i w_i·e_i ⊕ cash weight ⊕ equity change. The weighted
 * sum beyond the brief's mean tells the cash and value heads what the portfolio holds, which the mean
 * alone cannot; both pools are independent of the asset count and of the assets' order.
 */
function contextWidth(config: PortfolioNetworkConfig): number {
  return 2 * config.assetEmbedding + 2;
}

/**
 * The network a spec and config describe, parameter by parameter: names, shapes, order (the order a
 * model file stores them in) and initialisation. Orthogonal gains √2 (hidden), 0.01 (action mean)
 * and 1 (value), biases 0, as layerPlan.ts and CleanRL.
 */
export function portfolioPolicyPlan(spec: PortfolioPolicySpec, config: PortfolioNetworkConfig): PortfolioPolicyPlan {
  const params: PolicyParamPlan[] = [];
  const dense = (name: string, inputs: number, units: number, gain: number): DensePlan => {
    params.push({ name: `${name}/kernel`, shape: [inputs, units], init: { kind: 'orthogonal', gain } });
    params.push({ name: `${name}/bias`, shape: [units], init: { kind: 'zeros' } });
    return { name, inputs, units, kernel: params.length - 2, bias: params.length - 1 };
  };
  const mlp = (prefix: string, inputs: number, outputName: string, outputGain: number): DensePlan[] => {
    let width = inputs;
    const layers = config.hidden.map((units, i) => {
      const layer = dense(`${prefix}${i}`, width, units, HIDDEN_GAIN);
      width = units;
      return layer;
    });
    return [...layers, dense(outputName, width, 1, outputGain)];
  };
  const logStd = (size: number) => {
    params.push({ name: 'logStd', shape: [size], init: { kind: 'constant', value: config.initialLogStd } });
    return params.length - 1;
  };

  if (config.encoder === 'mlp') {
    let width = spec.assets * spec.lookback * spec.featureCount + spec.assets + 2;
    const trunk = config.hidden.map((units, i) => {
      const layer = dense(`trunk${i}`, width, units, HIDDEN_GAIN);
      width = units;
      return layer;
    });
    const mean = dense('mean', width, actionDimension(spec.mode, spec.assets), 0.01);
    const value = dense('value', width, 1, 1);
    return { encoder: 'mlp', params, trunk, mean, value, logStd: logStd(actionDimension(spec.mode, spec.assets)) };
  }

  const dims: EncoderDims = {
    lookback: spec.lookback,
    featureCount: spec.featureCount,
    modelDim: config.modelDim,
    heads: config.attentionHeads,
    layers: config.attentionLayers,
  };
  const index = new Map<string, number>();
  for (const p of encoderParams(dims)) {
    index.set(p.name, params.length);
    params.push({ ...p, name: `encoder/${p.name}` });
  }
  const embed = dense('embed', config.modelDim, config.assetEmbedding, HIDDEN_GAIN);
  const context = contextWidth(config);
  const asset = mlp('asset', config.assetEmbedding + 1 + context, 'assetMean', 0.01);
  const cash = spec.mode === 'long-only' ? mlp('cash', context, 'cashMean', 0.01) : null;
  const value = mlp('critic', context, 'value', 1);
  return {
    encoder: 'per-asset',
    params,
    window: { dims, index },
    embed,
    asset,
    cash,
    value,
    logStd: logStd(spec.mode === 'long-only' ? 2 : 1),
  };
}

/** Names and shapes of every parameter, in the order the network creates (and a model file stores) them. */
export function portfolioWeightShapes(spec: PortfolioPolicySpec, config: PortfolioNetworkConfig): [string, number[]][] {
  return portfolioPolicyPlan(spec, config).params.map((p) => [p.name, p.shape]);
}
