import * as tf from '@tensorflow/tfjs';
import { TFJS_LAYERS, type LayerOps } from '../compute/layers';
import { matMulKernel } from '../compute/matMulKernel';
import { DeviceAdam, HostAdam, HostWeights, type HostStorage, type Optimizer } from './adam';
import type { RolloutBuffer } from './buffer';
import type { PpoConfig } from './config';
import { HostEngine } from './hostEngine';
import { LOSS_STATS, ppoLoss, ppoLossGradient, type LossConfig } from './loss';
import { hostMinibatch, type DeviceMinibatch, type HostMinibatch } from './minibatch';
import type { ActorCritic } from './network';
import { grantThreads, type ThreadGrant } from './stepThreads';

/** One minibatch's LOSS_STATS: a tensor on the device (read once per epoch), numbers on the host. */
export type LossStats = tf.Tensor1D | Float64Array;

export type EngineKind = 'tfjs-device' | 'tfjs-host-loss' | 'tfjs-kernel-layers' | 'wasm-mlp' | 'wasm-attention';

/**
 * How the PPO update takes its gradient steps: one implementation per compute path, chosen once by
 * chooseGradientEngine. The update (update.ts) only loads the weights, draws minibatches from the
 * engine's view of the rollout, calls step and stores the weights.
 *
 * A new action or value head (a Gaussian policy for continuous position sizes) plugs in as the
 * quantile value head did: a HeadPlan kind in layerPlan.ts (its units), its loss and the gradient of
 * that loss with respect to the head's outputs beside ppoLoss / ppoLossGradient in loss.ts, and the
 * minibatch fields it needs (continuous actions) in LossInputs and minibatch.ts. The tfjs engines then
 * differentiate through it unchanged. The WebAssembly MLP engine lays the plan's heads out as column
 * blocks of one output layer, so its forward and backward passes take the new head as they are; only
 * the lines of its step that hand each block's outputs to the loss gradient and write the gradient
 * back name the heads. Adding the new head to NETWORKS in engine.contract.test.ts then pins every
 * engine against the tfjs reference.
 *
 * Every engine runs the network's 'train' forward pass, so trunk dropout (network.ts TrunkDropout)
 * applies in the update and nowhere else; the WebAssembly engine draws the same masks in the same
 * order as the tfjs pass.
 */
export interface GradientEngine<M = unknown> {
  readonly kind: EngineKind;
  readonly optimizer: Optimizer;
  /** The products the engine's forward passes use; rollouts use them too, for the same speed. */
  readonly layers: LayerOps;
  /** True when steps change the engine's own copy of the weights and the variables only at storeWeights. */
  readonly ownsWeights: boolean;
  /** The rollout as the engine reads it (uploaded once on the device); dispose it after the update. */
  rollout(buffer: RolloutBuffer, maskActions: boolean): EngineRollout<M>;
  /** Takes the network's variables as the weights to step from (where they changed since the last store). */
  loadWeights(): void;
  /** One gradient step: forward, PPO loss, gradient, global-norm clip, Adam. */
  step(minibatch: M, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): LossStats;
  /** Assigns the network's variables from the engine's weights. */
  storeWeights(): void;
  dispose(): void;
  /** The threads the steps use, and why fewer than asked (stepThreads.ts). */
  readonly grant: ThreadGrant;
  /** Settles when the engine can step (its threads started); absent where there is nothing to wait for. */
  ready?(): Promise<void>;
}

export interface EngineRollout<M> {
  /** The rows' data, advantages normalised over the minibatch when `normalize` (as CleanRL). */
  minibatch(rows: Int32Array, normalize: boolean): M;
  dispose(): void;
}

/**
 * The one place that decides how training computes on a backend. GPU backends keep everything on the
 * device. On wasm and cpu, whose tensors live in host memory, reading back is a copy: the whole step
 * runs in WebAssembly (hostEngine.ts), the MLP's and the attention encoder's alike, and without
 * WebAssembly SIMD the loss alone moves to the host.
 */
export function chooseGradientEngine(
  network: ActorCritic,
  backend: string,
  learningRate: number,
  maxBatch: number,
  requestedThreads = 1,
): GradientEngine {
  const onHost = backend === 'wasm' || backend === 'cpu';
  const simd = matMulKernel() !== null;
  const grant = grantThreads(requestedThreads, backend, simd);
  if (!onHost) return withGrant(new DeviceEngine(network, learningRate), grant);
  const storage: HostStorage = { simd, copyOnStore: backend === 'cpu' };
  if (!storage.simd) return withGrant(new HostLossEngine(network, learningRate, TFJS_LAYERS, 'tfjs-host-loss', storage), grant);
  return new HostEngine(network, learningRate, maxBatch, storage, grant);
}

function withGrant<E extends GradientEngine>(engine: E, grant: ThreadGrant): E {
  (engine as { grant: ThreadGrant }).grant =
    grant.threads > 1 ? { ...grant, threads: 1, reason: grant.reason ?? 'this engine steps on one thread' } : grant;
  return engine;
}

/** tfjs's autodiff and Adam on the device: GPU backends. */
export class DeviceEngine implements GradientEngine<DeviceMinibatch> {
  readonly kind = 'tfjs-device';
  readonly grant: ThreadGrant = ONE_THREAD;
  readonly layers = TFJS_LAYERS;
  readonly ownsWeights = false;
  readonly optimizer: DeviceAdam;

  constructor(
    private readonly network: ActorCritic,
    learningRate: number,
  ) {
    this.optimizer = new DeviceAdam(network.variables, learningRate);
  }

  /** The rollout uploaded once and gathered on the device. */
  rollout(buffer: RolloutBuffer, maskActions: boolean): EngineRollout<DeviceMinibatch> {
    const { size: n, obsSize, numActions } = buffer;
    const all: DeviceMinibatch = {
      obs: tf.tensor2d(buffer.obs, [n, obsSize]),
      masks: maskActions ? tf.tensor2d(Float32Array.from(buffer.masks), [n, numActions]) : null,
      actions: tf.tensor1d(buffer.actions, 'int32'),
      oldLogProbs: tf.tensor1d(buffer.logProbs),
      oldValues: tf.tensor1d(buffer.values),
      advantages: tf.tensor1d(buffer.advantages),
      returns: tf.tensor1d(buffer.returns),
    };
    return {
      minibatch: (rows, normalize) =>
        tf.tidy((): tf.TensorContainer => {
          const idx = tf.tensor1d(rows, 'int32');
          const gather = <T extends tf.Tensor>(t: T) => tf.gather(t, idx) as T;
          const advantages = gather(all.advantages);
          return {
            obs: gather(all.obs),
            masks: all.masks ? gather(all.masks) : null,
            actions: gather(all.actions),
            oldLogProbs: gather(all.oldLogProbs),
            oldValues: gather(all.oldValues),
            advantages: normalize ? normalizeOnDevice(advantages) : advantages,
            returns: gather(all.returns),
          } as unknown as tf.TensorContainer;
        }) as unknown as DeviceMinibatch,
      dispose: () => disposeMinibatch(all),
    };
  }

  loadWeights(): void {}

  /** Disposes the minibatch. */
  step(minibatch: DeviceMinibatch, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): tf.Tensor1D {
    const variables = this.network.variables;
    const stats = tf.tidy(() => {
      let stats: tf.Tensor1D | null = null;
      const { grads } = tf.variableGrads(() => {
        const { logits, value, quantiles } = this.network.forward(minibatch.obs, this.layers, 'train');
        const out = ppoLoss(logits, quantiles ?? value, minibatch, cfg);
        stats = tf.keep(out.stats);
        return out.loss;
      }, variables);
      this.optimizer.apply(
        variables.map((v) => grads[v.name]),
        cfg.maxGradNorm,
      );
      return stats as unknown as tf.Tensor1D;
    });
    disposeMinibatch(minibatch);
    return stats;
  }

  storeWeights(): void {}

  dispose(): void {
    this.optimizer.dispose();
  }
}

/**
 * tfjs's autodiff with the loss on the host: the forward pass's logits and values are read back (a
 * copy on wasm and cpu), the loss and its gradient with respect to them computed in JavaScript
 * (loss.ts), and backpropagated as the gradient of
 * Σ logits·∂L/∂logits + Σ values·∂L/∂values. Adam runs over a HostWeights the engine owns, and the
 * variables are assigned after every step, since the next forward pass reads them.
 */
export class HostLossEngine implements GradientEngine<HostMinibatch> {
  readonly ownsWeights = false;
  readonly grant: ThreadGrant = ONE_THREAD;
  readonly optimizer: HostAdam;
  private readonly weights: HostWeights;

  constructor(
    private readonly network: ActorCritic,
    learningRate: number,
    readonly layers: LayerOps,
    readonly kind: 'tfjs-host-loss' | 'tfjs-kernel-layers',
    storage: HostStorage,
  ) {
    this.weights = new HostWeights(network.variables, storage);
    this.optimizer = new HostAdam(this.weights, learningRate);
  }

  rollout(buffer: RolloutBuffer, maskActions: boolean): EngineRollout<HostMinibatch> {
    return { minibatch: (rows, normalize) => hostMinibatch(buffer, rows, maskActions, normalize), dispose() {} };
  }

  loadWeights(): void {
    this.weights.load();
  }

  step(minibatch: HostMinibatch, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): Float64Array {
    const variables = this.network.variables;
    const b = minibatch.actions.length;
    const obsSize = minibatch.obs.length / b;
    let stats: Float64Array = new Float64Array(LOSS_STATS.length);
    this.weights.load();
    tf.tidy(() => {
      const obs = tf.tensor2d(minibatch.obs, [b, obsSize]);
      const { grads } = tf.variableGrads(() => {
        const { logits, value, quantiles } = this.network.forward(obs, this.layers, 'train');
        const critic = quantiles ?? value;
        // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
        const dLogits = new Float32Array(logits.size);
        const dCritic = new Float32Array(critic.size);
        stats = ppoLossGradient(logits.dataSync() as Float32Array, critic.dataSync() as Float32Array, minibatch, cfg, dLogits, dCritic);
        return tf.add(
          tf.sum(tf.mul(logits, tf.tensor2d(dLogits, logits.shape))),
          tf.sum(tf.mul(critic, tf.tensor(dCritic, critic.shape))),
        ) as tf.Scalar;
      }, variables);
      this.weights.setGradients(variables.map((v) => grads[v.name]));
    });
    this.optimizer.apply(cfg.maxGradNorm);
    this.weights.store();
    return stats;
  }

  storeWeights(): void {}

  dispose(): void {
    this.optimizer.dispose();
  }
}

const ONE_THREAD: ThreadGrant = { requested: 1, threads: 1, reason: null };

function normalizeOnDevice(advantages: tf.Tensor1D): tf.Tensor1D {
  const { mean, variance } = tf.moments(advantages);
  return tf.div(tf.sub(advantages, mean), tf.add(tf.sqrt(variance), 1e-8));
}

function disposeMinibatch(m: DeviceMinibatch): void {
  for (const t of Object.values(m)) (t as tf.Tensor | null)?.dispose();
}
