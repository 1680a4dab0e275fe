import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ActorCritic } from './network';
import { networkWeightShapes } from './layerPlan';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the network weight list', () => {
  it.each([
    ['mlp', { encoder: 'mlp', hidden: [16, 8], activation: 'tanh', attentionLayers: 1, attentionHeads: 2, modelDim: 8 }],
    ['attention', { encoder: 'attention', hidden: [12], activation: 'relu', attentionLayers: 2, attentionHeads: 2, modelDim: 8 }],
  ] as const)('derived from the config alone names the %s network parameters in creation order', async (_encoder, config) => {
    await tf.setBackend('cpu');
    const spec = { lookback: 5, featureCount: 3, stateSize: 7, numActions: 3 };
    const net = new ActorCritic(spec, { ...config, hidden: [...config.hidden] }, 3);
    expect(networkWeightShapes(spec, { ...config, hidden: [...config.hidden] })).toEqual(net.params.map((p) => [p.name, p.variable.shape]));
    const values = new Map(net.params.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
    const copy = new ActorCritic(spec, { ...config, hidden: [...config.hidden] }, 99, values);
    copy.params.forEach((p, i) => expect(Array.from(p.variable.dataSync())).toEqual(Array.from(net.params[i].variable.dataSync())));
    net.dispose();
    copy.dispose();
  });
});
