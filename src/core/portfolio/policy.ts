import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors';
import { TFJS_LAYERS, type LayerOps } from '../compute/layers';
import type { DensePlan } from '../ppo/layerPlan';
import { encodeWindow, orthogonal, type NamedVariable } from '../ppo/network';
import { createRng } from '../random/rng';
import type { PortfolioNetworkConfig } from './policyConfig';
import { portfolioPolicyPlan, type PolicyParamInit, type PortfolioPolicyPlan, type PortfolioPolicySpec } from './policyPlan';
import { actionDimension } from './types';

/*
 * The portfolio agent's policy: a diagonal Gaussian over raw actions u ∈ ℝ^actionDim, its mean from
 * the network and a state-independent log-std (ppo/distribution.ts gaussianLogProb). The environment
 * maps u to weights: long-only w = softmax(u) over the assets and cash (cash last, as in the
 * observation), long-short w_i = tanh(u_i) scaled down to the gross-exposure cap.
 *
 * Why a Gaussian over u rather than a Dirichlet over w. One head serves both modes (a Dirichlet is
 * long-only); its log-probability and entropy are closed forms in ops tfjs has, where a Dirichlet's
 * need log Γ and digamma, which tfjs lacks, and Gamma draws (Marsaglia–Tsang) from the seeded
 * generator to sample; and a Dirichlet's log-density has log w_i terms that blow up in float32 as a
 * weight nears 0, which is where a concentrated portfolio lives. The price: softmax ignores adding a
 * constant to every u_j, so some exploration noise is spent along a direction that changes nothing.
 *
 * Why the log-probabilities are those of u. PPO needs the ratio π_new(a|s) / π_old(a|s) of the
 * density of the action it sampled. The action is u; the mapping u → w belongs to the environment,
 * like its price moves, and the reward is a function of w. Were w the action instead, its density
 * would be p(w) = π(u) / |det ∂w/∂u| where the mapping is invertible, and that Jacobian depends on u
 * alone, not on the policy's parameters: it cancels in the ratio and in the policy gradient.
 *   - tanh: log |det ∂w/∂u| = Σ_i log(1 − tanh²u_i) (SAC's correction; 2(log 2 − u − softplus(−2u))
 *     is the stable form), so ratios over w and over u are equal; portfolio/gaussian.test.ts checks
 *     it numerically. Where the gross cap binds, w lands on the surface Σ|w_i| = cap, so w has no
 *     density in ℝ^N there at all — another reason to stay in u.
 *   - softmax: N+1 numbers onto the N-dimensional simplex, not invertible. A density over w needs the
 *     reduced softmax v_i = u_i − u_cash (i < N), Gaussian with mean Aμ and covariance AΣAᵀ for the
 *     differencing matrix A, and w = softmax([v, 0]) invertible with |det ∂w/∂v| = Π_{j≤N} w_j: the
 *     logistic-normal (Aitchison & Shen 1980). Its ratio is a valid importance ratio too, but not the
 *     u-space one: it marginalises the redundant direction. The u-space ratio is exact for the policy
 *     over u, which is what the update differentiates, so nothing is lost but a little variance.
 */

/** A model used on a portfolio of another asset count than it was trained on, where its architecture cannot follow. */
export class AssetCountError extends UsageError {
  readonly code = 'asset-count';
  readonly hint: string;

  constructor(
    readonly trainedAssets: number,
    readonly givenAssets: number,
  ) {
    const hint =
      `Train a new model on these ${givenAssets} assets, or train with the Enhanced per-asset encoder ` +
      "(network.encoder 'per-asset'), whose weights are shared across assets and run on any asset count of the same features.";
    super(
      `This Standard (mlp) model was trained on ${trainedAssets} assets and cannot run on ${givenAssets}: ` +
        `its input layer and action head are sized for ${trainedAssets}. ${hint}`,
    );
    this.hint = hint;
  }
}

/** An observation whose width fits no asset count for this model's window (lookback × features). */
export class ObservationShapeError extends UsageError {
  readonly code = 'observation-shape';
}

export interface PortfolioPolicyOutput {
  /** The Gaussian's mean over raw actions [B, actionDim]: the deterministic policy's action. */
  mean: tf.Tensor2D;
  /** V(s) [B]. */
  value: tf.Tensor1D;
}

let counter = 0;

/**
 * The portfolio actor-critic, Standard ('mlp') or Enhanced ('per-asset'), as policyPlan.ts lays it
 * out. The Enhanced network reads the asset count from each observation's width, so one set of
 * weights runs on any number of assets of the same lookback and features, and permuting the assets
 * permutes its asset outputs and leaves the cash output and the value unchanged.
 */
export class PortfolioActorCritic {
  readonly params: NamedVariable[] = [];
  readonly plan: PortfolioPolicyPlan;
  private seed: number;

  /**
   * With `initial` (every parameter by name) the values come from it and nothing is initialised. A
   * Standard model's weights for another asset count are refused with an AssetCountError.
   */
  constructor(
    readonly spec: PortfolioPolicySpec,
    readonly config: PortfolioNetworkConfig,
    seed: number,
    initial?: ReadonlyMap<string, Float32Array>,
  ) {
    this.seed = seed;
    this.plan = portfolioPolicyPlan(spec, config);
    if (initial) this.checkInitial(initial);
    const suffix = ++counter;
    for (const { name, shape, init } of this.plan.params) {
      const values = initial ? (initial.get(name) as Float32Array) : this.initialValues(shape, init);
      // tfjs names variables globally: a per-network prefix keeps two networks' apart.
      const tensor = tf.tensor(values, shape);
      this.params.push({ name, variable: tf.variable(tensor, true, `portfolio_policy_${suffix}/${name}`) });
      tensor.dispose();
    }
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** The asset count of observations `width` values wide; refuses what this model cannot read. */
  assetsIn(width: number): number {
    const { lookback, featureCount, assets } = this.spec;
    const assetsFit = (width - 2) / (lookback * featureCount + 1);
    if (!Number.isInteger(assetsFit) || assetsFit < 1) {
      throw new ObservationShapeError(
        `An observation of ${width} values does not fit this model, which reads windows of ${lookback} bars × ` +
          `${featureCount} features per asset (assets × ${lookback * featureCount + 1} + 2 values). ` +
          'Use data with the feature set and lookback the model was trained on.',
      );
    }
    if (this.plan.encoder === 'mlp' && assetsFit !== assets) throw new AssetCountError(assets, assetsFit);
    return assetsFit;
  }

  /** Means [B, actionDim] and values [B] for observations [B, obsSize]. Call inside tf.tidy. */
  forward(obs: tf.Tensor2D, layers: LayerOps = TFJS_LAYERS): PortfolioPolicyOutput {
    const assets = this.assetsIn(obs.shape[1]);
    const plan = this.plan;
    const v = (index: number) => this.params[index].variable;
    if (plan.encoder === 'mlp') {
      let h: tf.Tensor2D = obs;
      plan.trunk.forEach((layer, i) => {
        const product = i === 0 ? layers.inputDense : layers.dense;
        h = this.activate(product(h, v(layer.kernel), v(layer.bias)));
      });
      const mean = layers.dense(h, v(plan.mean.kernel), v(plan.mean.bias));
      return { mean, value: tf.reshape(layers.dense(h, v(plan.value.kernel), v(plan.value.bias)), [-1]) as tf.Tensor1D };
    }

    const batch = obs.shape[0];
    const { lookback, featureCount } = this.spec;
    const windowSize = lookback * featureCount;
    const embedding = this.config.assetEmbedding;
    const windows = tf.reshape(tf.slice(obs, [0, 0], [batch, assets * windowSize]), [batch * assets, windowSize]) as tf.Tensor2D;
    const weight = (name: string) => v(plan.window.index.get(name) as number);
    const pooled = encodeWindow(windows, weight, plan.window.dims, layers);
    const e = this.activate(layers.dense(pooled, v(plan.embed.kernel), v(plan.embed.bias)));
    const e3 = tf.reshape(e, [batch, assets, embedding]);
    const held = tf.slice(obs, [0, assets * windowSize], [batch, assets]);
    const cashAndEquity = tf.slice(obs, [0, assets * windowSize + assets], [batch, 2]);
    const context = tf.concat(
      [tf.mean(e3, 1), tf.sum(tf.mul(e3, tf.reshape(held, [batch, assets, 1])), 1), cashAndEquity],
      1,
    ) as tf.Tensor2D;
    const width = context.shape[1];
    const contextPerAsset = tf.reshape(tf.tile(tf.reshape(context, [batch, 1, width]), [1, assets, 1]), [batch * assets, width]);
    const assetInputs = tf.concat([e, tf.reshape(held, [batch * assets, 1]), contextPerAsset], 1) as tf.Tensor2D;
    const assetMeans = tf.reshape(this.headMlp(plan.asset, assetInputs, layers), [batch, assets]) as tf.Tensor2D;
    const mean = plan.cash ? (tf.concat([assetMeans, this.headMlp(plan.cash, context, layers)], 1) as tf.Tensor2D) : assetMeans;
    return { mean, value: tf.reshape(this.headMlp(plan.value, context, layers), [-1]) as tf.Tensor1D };
  }

  /**
   * The log-std over the actions of a portfolio of `assets` [actionDim]. Standard: the vector itself.
   * Enhanced: its asset entry repeated per asset, then the cash entry (long-only). Call inside tf.tidy.
   */
  logStd(assets: number): tf.Tensor1D {
    const logStd = this.params[this.plan.logStd].variable as tf.Variable<tf.Rank.R1>;
    if (this.plan.encoder === 'mlp') {
      if (assets !== this.spec.assets) throw new AssetCountError(this.spec.assets, assets);
      return logStd;
    }
    const perAsset = tf.tile(tf.slice(logStd, [0], [1]), [assets]);
    return this.spec.mode === 'long-only' ? tf.concat([perAsset, tf.slice(logStd, [1], [1])]) : perAsset;
  }

  /** Copies of every parameter by name: what a model file stores and the constructor takes back. */
  async getWeights(): Promise<Map<string, Float32Array>> {
    // Asynchronous reads: a synchronous one on WebGPU breaks the device's later reads (adam.ts).
    const values = await Promise.all(this.params.map((p) => p.variable.data() as Promise<Float32Array>));
    return new Map(this.params.map((p, i) => [p.name, values[i].slice()]));
  }

  /** Assigns every parameter from a map of the same names and sizes. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.checkInitial(weights);
    for (const { name, variable } of this.params) {
      tf.tidy(() => variable.assign(tf.tensor(weights.get(name) as Float32Array, variable.shape)));
    }
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.params.length = 0;
  }

  private activate(z: tf.Tensor2D): tf.Tensor2D {
    return this.config.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
  }

  /** Hidden layers with the activation, then the linear output layer. */
  private headMlp(layers: DensePlan[], x: tf.Tensor2D, ops: LayerOps): tf.Tensor2D {
    let h = x;
    layers.forEach((layer, i) => {
      const z = ops.dense(h, this.params[layer.kernel].variable, this.params[layer.bias].variable);
      h = i === layers.length - 1 ? z : this.activate(z);
    });
    return h;
  }

  private checkInitial(weights: ReadonlyMap<string, Float32Array>): void {
    if (this.plan.encoder === 'mlp') {
      const meanBias = weights.get('mean/bias');
      const expected = actionDimension(this.spec.mode, this.spec.assets);
      if (meanBias && meanBias.length !== expected) {
        const trained = this.spec.mode === 'long-only' ? meanBias.length - 1 : meanBias.length;
        throw new AssetCountError(trained, this.spec.assets);
      }
    }
    for (const { name, shape } of this.plan.params) {
      const given = weights.get(name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!given) throw new RangeError(`No values for parameter ${name} of the portfolio network.`);
      if (given.length !== size) {
        throw new RangeError(`Parameter ${name} has ${given.length} values; the network expects ${shape.join('×')} = ${size}.`);
      }
    }
  }

  private initialValues(shape: number[], init: PolicyParamInit): Float32Array {
    const size = shape.reduce((a, b) => a * b, 1);
    switch (init.kind) {
      case 'orthogonal':
        return orthogonal(shape[0], shape[1], init.gain, this.nextSeed());
      case 'normal': {
        const rng = createRng(this.nextSeed());
        return Float32Array.from({ length: size }, () => init.std * rng.normal());
      }
      case 'ones':
        return new Float32Array(size).fill(1);
      case 'zeros':
        return new Float32Array(size);
      case 'constant':
        return new Float32Array(size).fill(init.value);
    }
  }

  private nextSeed(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_647;
    return this.seed;
  }
}

/**
 * The deterministic policy: the Gaussian's mean u [count, actionDim] for `count` observations laid
 * end to end in `obs`, which the environment maps to weights as it maps samples.
 */
export async function portfolioPolicyMean(
  network: PortfolioActorCritic,
  obs: Float32Array,
  count: number,
  layers: LayerOps = TFJS_LAYERS,
): Promise<Float32Array> {
  const width = obs.length / count;
  if (!Number.isInteger(width)) {
    throw new ObservationShapeError(`${obs.length} observation values do not split into ${count} observations of equal width.`);
  }
  const mean = tf.tidy(() => network.forward(tf.tensor2d(obs, [count, width]), layers).mean);
  const values = (await mean.data()) as Float32Array;
  mean.dispose();
  return values;
}
