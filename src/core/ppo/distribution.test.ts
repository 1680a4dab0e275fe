import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionProbabilities, categoricalStats, sampleIndex } from './distribution';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('masked categorical distribution', () => {
  const logits = () => tf.tensor2d([[1, 2, 3]]);
  const mask = () => tf.tensor2d([[1, 0, 1]]);

  it('gives invalid actions probability 0 and renormalises the rest', () => {
    const p = actionProbabilities(logits(), mask()).dataSync();
    const e1 = Math.exp(1);
    const e3 = Math.exp(3);
    expect(p[1]).toBe(0);
    expect(p[0]).toBeCloseTo(e1 / (e1 + e3), 6);
    expect(p[2]).toBeCloseTo(e3 / (e1 + e3), 6);
  });

  it('computes log-probability and entropy over the valid actions only', () => {
    const { logProb, entropy } = categoricalStats(logits(), tf.tensor1d([2], 'int32'), mask());
    const p0 = Math.exp(1) / (Math.exp(1) + Math.exp(3));
    const p2 = 1 - p0;
    expect(logProb.dataSync()[0]).toBeCloseTo(Math.log(p2), 5);
    expect(entropy.dataSync()[0]).toBeCloseTo(-(p0 * Math.log(p0) + p2 * Math.log(p2)), 5);
  });

  it('without a mask is the plain softmax distribution', () => {
    const { entropy } = categoricalStats(tf.tensor2d([[0, 0, 0]]), tf.tensor1d([0], 'int32'), null);
    expect(entropy.dataSync()[0]).toBeCloseTo(Math.log(3), 5);
  });

  it('samples by inverse CDF and never picks a zero-probability action', () => {
    const probs = [0.25, 0, 0.75];
    expect(sampleIndex(probs, 0, 3, 0)).toBe(0);
    expect(sampleIndex(probs, 0, 3, 0.2499)).toBe(0);
    expect(sampleIndex(probs, 0, 3, 0.25)).toBe(2);
    expect(sampleIndex(probs, 0, 3, 0.9999999)).toBe(2);
  });
});
