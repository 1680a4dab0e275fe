import type * as tf from '@tensorflow/tfjs';
import { KERNEL_LAYERS, TFJS_LAYERS, type LayerOps } from '../compute/layers';
import { matMulKernel } from '../compute/matMulKernel';
import { DeviceAdam, HostAdam, HostWeights, type AdamState, type HostStorage, type Optimizer } from '../ppo/adam';
import type { PortfolioActorCritic } from './policy';

/** Adam stepped from gradient tensors given in the variables' order: what the portfolio update calls. */
export type TensorAdam = Optimizer & { apply(grads: tf.Tensor[], maxGradNorm: number): void };

/** How the portfolio network computes on a backend: its products and its optimizer. */
export interface PortfolioCompute {
  layers: LayerOps;
  adam: TensorAdam;
}

/**
 * The one place that decides how the portfolio PPO computes on a backend. GPU backends keep tfjs's
 * products and Adam on the device. On wasm and cpu, whose tensors live in host memory, the dense
 * layers' backward passes run in the WebAssembly SIMD kernel (tfjs's transposed products are 15–20×
 * slower there, shared/PERF-NOTES.md) and Adam is one pass over flat arrays (ppo/adam.ts HostAdam)
 * instead of ~12 tfjs kernels per variable (for the Enhanced network's ~40 variables, about a third
 * of a gradient step on wasm). The gradient itself is tfjs's autodiff on every backend.
 */
/** The products the portfolio network uses on a backend, for inference alone (backtests, predictions). */
export function portfolioLayers(backend: string): LayerOps {
  return (backend === 'wasm' || backend === 'cpu') && matMulKernel() !== null ? KERNEL_LAYERS : TFJS_LAYERS;
}

export function choosePortfolioCompute(network: PortfolioActorCritic, backend: string, learningRate: number): PortfolioCompute {
  const onHost = backend === 'wasm' || backend === 'cpu';
  if (!onHost) return { layers: TFJS_LAYERS, adam: new DeviceAdam(network.variables, learningRate) };
  const simd = matMulKernel() !== null;
  return {
    layers: simd ? KERNEL_LAYERS : TFJS_LAYERS,
    adam: new HostTensorAdam(network.variables, { simd, copyOnStore: backend === 'cpu' }, learningRate),
  };
}

/** HostAdam over a copy of the variables it loads before and stores after each step. */
class HostTensorAdam implements TensorAdam {
  private readonly weights: HostWeights;
  private readonly adam: HostAdam;

  constructor(variables: tf.Variable[], storage: HostStorage, learningRate: number) {
    this.weights = new HostWeights(variables, storage);
    this.adam = new HostAdam(this.weights, learningRate);
  }

  get learningRate(): number {
    return this.adam.learningRate;
  }

  set learningRate(rate: number) {
    this.adam.learningRate = rate;
  }

  apply(grads: tf.Tensor[], maxGradNorm: number): void {
    this.weights.load();
    this.weights.setGradients(grads);
    this.adam.apply(maxGradNorm);
    this.weights.store();
  }

  state(): Promise<AdamState> {
    return this.adam.state();
  }

  restore(state: AdamState): void {
    this.adam.restore(state);
  }

  dispose(): void {
    this.adam.dispose();
  }
}
