import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { fastest, measureGradientStep } from './calibrate';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('backend calibration', () => {
  it('measures a gradient step on each backend without leaking tensors', async () => {
    const rates: Record<string, number> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      await useNodeBackend(backend, () => {});
      const before = tf.memory().numTensors;
      rates[backend] = await measureGradientStep(50);
      expect(tf.memory().numTensors).toBe(before);
    }
    // Rates, not timing assertions: which backend wins is the bench's business.
    expect(rates.wasm).toBeGreaterThan(0);
    expect(rates.cpu).toBeGreaterThan(0);
    expect(fastest(rates)).toBe(rates.wasm > rates.cpu ? 'wasm' : 'cpu');
  }, 60_000);

  it('picks the highest finite rate', () => {
    expect(fastest({ webgpu: 5000, wasm: 1200 })).toBe('webgpu');
    expect(fastest({ webgpu: NaN, wasm: 1200 })).toBe('wasm');
    expect(fastest({})).toBeNull();
  });
});
