import * as tf from '@tensorflow/tfjs';
import { RolloutBuffer } from './buffer';
import { DEFAULT_NETWORK_CONFIG, DEFAULT_PPO_CONFIG } from './config';
import { chooseGradientEngine } from './engine';
import { ActorCritic, observationSize } from './network';
import { createRng } from '../random/rng';

/** The default Standard network's input: 16 features × 60 bars + 3 account values. */
const SPEC = { lookback: 60, featureCount: 16, stateSize: 3, numActions: 3 };

/**
 * Samples per second of one PPO gradient step — the default network, a minibatch of the default
 * size, forward, backward and Adam — plus the rollout's forward pass over the same samples, on the
 * active backend and by the engine training chooses there (engine.ts). On wasm and cpu the gradient
 * step is the WebAssembly MLP engine's and does not depend on the backend, so the rollout's forward
 * through tfjs is what tells them apart. Each step is forced with an asynchronous read, so a GPU's
 * queued work is counted. Runs two warm-up steps (shader compilation, weight packing), then steps
 * until `budgetMs` has passed (at least three).
 */
export async function measureGradientStep(budgetMs = 300): Promise<number> {
  const net = new ActorCritic(SPEC, { ...DEFAULT_NETWORK_CONFIG, encoder: 'mlp' }, 1);
  const batch = DEFAULT_PPO_CONFIG.minibatchSize;
  const engine = chooseGradientEngine(net, tf.getBackend(), 1e-4, batch);
  const buffer = new RolloutBuffer(batch, 1, observationSize(SPEC), SPEC.numActions);
  const rng = createRng(1);
  for (let i = 0; i < buffer.obs.length; i++) buffer.obs[i] = 2 * rng.next() - 1;
  buffer.logProbs.fill(-Math.log(SPEC.numActions));
  for (let i = 0; i < batch; i++) buffer.advantages[i] = i % 2 === 0 ? 1 : -1;
  const rows = Int32Array.from({ length: batch }, (_, i) => i);
  const rollout = engine.rollout(buffer, false);
  const obs = tf.tensor2d(buffer.obs, [batch, buffer.obsSize]);
  const step = async () => {
    const logits = tf.tidy(() => net.forward(obs, engine.layers).logits);
    await logits.data();
    logits.dispose();
    const stats = engine.step(rollout.minibatch(rows, false), DEFAULT_PPO_CONFIG);
    if (stats instanceof tf.Tensor) {
      await stats.data();
      stats.dispose();
    }
  };
  engine.loadWeights();
  try {
    await step();
    await step();
    const start = performance.now();
    let steps = 0;
    while (steps < 3 || performance.now() - start < budgetMs) {
      await step();
      steps += 1;
    }
    return (steps * batch) / ((performance.now() - start) / 1000);
  } finally {
    engine.storeWeights();
    rollout.dispose();
    obs.dispose();
    engine.dispose();
    net.dispose();
  }
}

/** The fastest backend of those measured, or null when none was. */
export function fastest<B extends string>(rates: Partial<Record<B, number>>): B | null {
  let best: B | null = null;
  for (const [backend, rate] of Object.entries(rates) as [B, number][]) {
    if (Number.isFinite(rate) && rate > 0 && (best === null || rate > (rates[best] as number))) best = backend;
  }
  return best;
}
