import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_LAYERS, TFJS_LAYERS } from '../compute/layers';
import { RolloutBuffer } from './buffer';
import { DEFAULT_NETWORK_CONFIG, DEFAULT_PPO_CONFIG, type NetworkConfig } from './config';
import { DeviceEngine, HostLossEngine, type GradientEngine } from './engine';
import { HostEngine } from './hostEngine';
import { networkWeightShapes } from './layerPlan';
import { ActorCritic, type ObservationSpec } from './network';
import { ppoUpdate } from './update';
import { createRng } from '../random/rng';

// The default network and update, pinned to the figures the code gave before the critic and dropout
// options existed (commit e19d0c7): a default config must train bit for bit as it did. The rollout is
// synthetic so that changes to the trading environment do not move these figures; a change meant to
// move them re-pins them and says why in its commit.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SPEC: ObservationSpec = { lookback: 5, featureCount: 4, stateSize: 2, numActions: 3 };
const OBS = 22;
const SIMD = { simd: true, copyOnStore: true };

function rollout(seed: number, size: number): RolloutBuffer {
  const rng = createRng(seed);
  const buffer = new RolloutBuffer(size, 1, OBS, 3);
  for (let i = 0; i < buffer.obs.length; i++) buffer.obs[i] = rng.normal();
  for (let i = 0; i < size; i++) {
    for (let a = 0; a < 3; a++) buffer.masks[i * 3 + a] = a === 0 || rng.next() < 0.6 ? 1 : 0;
    const valid = [0, 1, 2].filter((a) => buffer.masks[i * 3 + a] === 1);
    buffer.actions[i] = valid[rng.int(0, valid.length)];
    buffer.logProbs[i] = -1.1 + rng.normal() * 0.2;
    buffer.values[i] = rng.normal() * 0.1;
    buffer.advantages[i] = rng.normal() * 2 + 0.5;
    buffer.returns[i] = rng.normal();
  }
  return buffer;
}

/** FNV-1a over the float32 bytes of every parameter, in order. */
function weightsHash(net: ActorCritic): string {
  let h = 0x811c9dc5;
  for (const p of net.params) {
    const bytes = new Uint8Array(Float32Array.from(p.variable.dataSync()).buffer);
    for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

type Factory = (net: ActorCritic) => GradientEngine;
const ENGINES: [string, Factory, NetworkConfig][] = [
  ['tfjs on the device', (net) => new DeviceEngine(net, 1e-3), DEFAULT_NETWORK_CONFIG],
  [
    'tfjs with the loss on the host',
    (net) => new HostLossEngine(net, 1e-3, TFJS_LAYERS, 'tfjs-host-loss', { simd: false, copyOnStore: true }),
    DEFAULT_NETWORK_CONFIG,
  ],
  ['the WebAssembly MLP', (net) => new HostEngine(net, 1e-3, 32, SIMD), DEFAULT_NETWORK_CONFIG],
  [
    'tfjs with the kernel layers (attention)',
    (net) => new HostLossEngine(net, 1e-3, KERNEL_LAYERS, 'tfjs-kernel-layers', SIMD),
    { ...DEFAULT_NETWORK_CONFIG, encoder: 'attention', hidden: [16], modelDim: 8, attentionHeads: 2 },
  ],
];

describe('the default critic, without dropout', () => {
  it('has the parameter list it always had', () => {
    const spec = { lookback: 60, featureCount: 16, stateSize: 3, numActions: 3 };
    expect(networkWeightShapes(spec, DEFAULT_NETWORK_CONFIG)).toEqual([
      ['trunk0/kernel', [963, 256]],
      ['trunk0/bias', [256]],
      ['trunk1/kernel', [256, 256]],
      ['trunk1/bias', [256]],
      ['trunk2/kernel', [256, 128]],
      ['trunk2/bias', [128]],
      ['policy/kernel', [128, 3]],
      ['policy/bias', [3]],
      ['value/kernel', [128, 1]],
      ['value/bias', [1]],
    ]);
  });

  it.each(ENGINES)('trains as before with %s', async (name, create, config) => {
    const net = new ActorCritic(SPEC, config, 5);
    const initial = weightsHash(net);
    const engine = create(net);
    const cfg = { ...DEFAULT_PPO_CONFIG, numSteps: 64, minibatchSize: 32, epochs: 2, maskActions: true };
    const losses: number[] = [];
    for (let u = 0; u < 2; u++) {
      const d = await ppoUpdate(engine, rollout(40 + u, 64), cfg, createRng(u), null);
      losses.push(d.policyLoss, d.valueLoss, d.entropy, d.approxKl, d.clipFraction);
    }
    const after = weightsHash(net);
    engine.dispose();
    net.dispose();
    expect({ initial, after, losses }).toEqual(PINNED[name]);
  });
});

const PINNED: Record<string, { initial: string; after: string; losses: number[] }> = {
  'tfjs on the device': {
    initial: 'de1b5664',
    after: '8e202f32',
    losses: [
      0.16419780254364014, 0.29427412152290344, 0.7050653100013733, 0.2526504099369049, 0.734375, 0.21045038104057312, 0.7748125195503235,
      0.6594948172569275, 0.2853415906429291, 0.75,
    ],
  },
  'tfjs with the loss on the host': {
    initial: 'de1b5664',
    after: '8da9575e',
    losses: [
      0.16419781577817572, 0.29427411811341536, 0.7050653062353229, 0.2526504191690955, 0.734375, 0.2104503928988196, 0.7748125339516048,
      0.6594947787404141, 0.28534158478320415, 0.75,
    ],
  },
  'the WebAssembly MLP': {
    initial: 'de1b5664',
    after: '7fc1a962',
    losses: [
      0.16419781591839866, 0.29427410088497596, 0.7050653062362096, 0.25265041933715604, 0.734375, 0.21045039435632706, 0.7748125904131669,
      0.6594947788491388, 0.2853415843727383, 0.75,
    ],
  },
  'tfjs with the kernel layers (attention)': {
    initial: '4a6e4da9',
    after: 'c6160692',
    losses: [
      0.16981271002461967, 0.6289125941207735, 0.7051830631840363, 0.2537496096379588, 0.734375, 0.21787618997373226, 0.8951261122211731,
      0.6599002768939602, 0.28700001671962916, 0.734375,
    ],
  },
};
