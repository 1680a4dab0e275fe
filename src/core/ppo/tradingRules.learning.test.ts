import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PpoTrainer } from './trainer';
import { PRESETS } from './presets';
import { tinyTrainingSetup } from '../../test-support/trainerSetup';
import { momentumBars } from '../../test-support/testMarket';
import type { TrainingOverrides, Variant } from './config';
import type { Bars } from '../data/bars';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Momentum bars every 30 minutes from a Monday in New York winter time, so a session applies. */
function halfHourBars(count: number): Bars {
  const bars = momentumBars(count, 9);
  const start = Date.UTC(2024, 0, 8, 14, 30);
  return { ...bars, time: Float64Array.from(bars.time, (_, i) => start + i * 30 * 60_000) };
}

const OPTIONS: [string, Variant, TrainingOverrides, Bars?][] = [
  ['the sized action set', 'maskable', { env: { actionSet: 'sized' } }],
  ['the sized action set (Standard)', 'standard', { env: { actionSet: 'sized', longOnly: true } }],
  ['the sized action set (Enhanced)', 'enhanced-maskable', { env: { actionSet: 'sized' } }],
  ['ATR sizing with leverage', 'maskable', { env: { sizing: 'atr', maxLeverage: 3, riskPerTrade: 0.05 } }],
  ['Kelly sizing', 'maskable', { env: { sizing: 'kelly' } }],
  ['volatility targeting', 'standard', { env: { sizing: 'vol-target', maxLeverage: 2 } }],
  ['the RL v3 preset', 'maskable', PRESETS['rl-v3'].overrides as TrainingOverrides],
  [
    'a session with flatten at close',
    'maskable',
    { env: { session: '09:30-16:00', timeZone: 'America/New_York', noEntryMinutes: 30, flattenAtClose: true } },
    halfHourBars(1500),
  ],
];

describe('every new trading rule trains', () => {
  it.each(OPTIONS)('%s: losses finite and moving, tensors flat', async (_name, variant, overrides, bars) => {
    const { config, data } = tinyTrainingSetup(
      variant,
      {
        ...overrides,
        ppo: { ...overrides.ppo, numSteps: 32, minibatchSize: 32, epochs: 2 },
        stop: { totalTimesteps: 32 * (overrides.env?.numEnvs ?? 4) * 4 },
      },
      bars,
    );
    const losses: number[][] = [];
    const tensors: number[] = [];
    const trainer = new PpoTrainer(config, data, {
      onProgress: (p) => {
        losses.push([p.diagnostics.policyLoss, p.diagnostics.valueLoss]);
        tensors.push(tf.memory().numTensors);
      },
    });
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary.updates).toBe(4);
    expect(losses.flat().every(Number.isFinite)).toBe(true);
    expect(new Set(losses.map((l) => l.join())).size).toBeGreaterThan(1);
    expect(tensors[3]).toBe(tensors[1]);
  });
});
