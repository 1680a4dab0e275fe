import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { DEFAULT_NETWORK_CONFIG, DEFAULT_PPO_CONFIG } from './config';
import { ActorCritic } from './network';
import { HostMlpStep } from './hostMlp';

/** The default Standard network's input: 16 features × 60 bars + 3 account values. */
const SPEC = { lookback: 60, featureCount: 16, stateSize: 3, numActions: 3 };

/**
 * Samples per second of one PPO gradient step — the default network, a minibatch of the default
 * size, forward, backward and Adam — plus the rollout's forward pass over the same samples, on the
 * active backend and by the path training takes there: on wasm and cpu the gradient step is
 * hostMlp.ts's and does not depend on the backend, so the rollout's forward through tfjs is what
 * tells them apart. Each step is forced with an asynchronous read, so a GPU's queued work is
 * counted. Runs two warm-up steps (shader compilation, weight packing), then steps until `budgetMs`
 * has passed (at least three).
 */
export async function measureGradientStep(budgetMs = 300): Promise<number> {
  const net = new ActorCritic(SPEC, { ...DEFAULT_NETWORK_CONFIG, encoder: 'mlp' }, 1);
  const optimizer = new Adam(net.variables, 1e-4);
  const batch = DEFAULT_PPO_CONFIG.minibatchSize;
  const obs = tf.randomUniform([batch, SPEC.lookback * SPEC.featureCount + SPEC.stateSize], -1, 1, 'float32', 1) as tf.Tensor2D;
  const fused = HostMlpStep.for(net, optimizer, batch);
  const host = fused ? Float32Array.from(await obs.data()) : null;
  const inputs = {
    masks: null,
    actions: new Int32Array(batch),
    oldLogProbs: new Float32Array(batch).fill(-Math.log(SPEC.numActions)),
    oldValues: new Float32Array(batch),
    advantages: Float32Array.from({ length: batch }, (_, i) => (i % 2 === 0 ? 1 : -1)),
    returns: new Float32Array(batch),
  };
  const fusedStep = async () => {
    (fused as HostMlpStep).observations(batch).set(host as Float32Array);
    (fused as HostMlpStep).run(batch, inputs, DEFAULT_PPO_CONFIG, DEFAULT_PPO_CONFIG.maxGradNorm);
  };
  const tfjsStep = async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { logits, value: v } = net.forward(obs);
        return tf.add(tf.mean(tf.square(logits)), tf.mean(tf.square(v))) as tf.Scalar;
      }, net.variables);
      optimizer.apply(net.variables.map((x) => grads[x.name]), DEFAULT_PPO_CONFIG.maxGradNorm);
      return value;
    });
    await loss.data();
    loss.dispose();
  };
  const rolloutForward = async () => {
    const logits = tf.tidy(() => net.forward(obs).logits);
    await logits.data();
    logits.dispose();
  };
  const gradientStep = fused ? fusedStep : tfjsStep;
  const step = async () => {
    await rolloutForward();
    await gradientStep();
  };
  if (fused) optimizer.loadWeights();
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
    obs.dispose();
    optimizer.dispose();
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
