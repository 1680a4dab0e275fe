import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { AssetCountError, ObservationShapeError, PortfolioActorCritic, portfolioPolicyMean } from './policy';
import { DEFAULT_PORTFOLIO_NETWORK, portfolioNetworkErrors, portfolioNetworkSchema, type PortfolioNetworkConfig } from './policyConfig';
import { portfolioWeightShapes, type PortfolioPolicySpec } from './policyPlan';
import { portfolioObservationSize, type PortfolioMode } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LOOKBACK = 4;
const FEATURES = 2;
const SMALL: PortfolioNetworkConfig = { ...DEFAULT_PORTFOLIO_NETWORK, hidden: [16, 16], assetEmbedding: 8, modelDim: 8 };

function spec(assets: number, mode: PortfolioMode = 'long-only'): PortfolioPolicySpec {
  return { assets, lookback: LOOKBACK, featureCount: FEATURES, mode };
}

/** `count` random observations of `assets` assets, with weights that sum to 1 with the cash weight. */
function observations(assets: number, count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const size = portfolioObservationSize(spec(assets));
  const out = new Float32Array(count * size);
  for (let r = 0; r < count; r++) {
    const row = r * size;
    for (let k = 0; k < assets * LOOKBACK * FEATURES; k++) out[row + k] = rng.normal();
    const weights = Array.from({ length: assets + 1 }, () => rng.next());
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, j) => (out[row + assets * LOOKBACK * FEATURES + j] = w / total));
    out[row + size - 1] = 0.1 * rng.normal();
  }
  return out;
}

/** The same observations with the assets reordered: asset i of the result is asset order[i] of the input. */
function permuteAssets(obs: Float32Array, assets: number, order: number[]): Float32Array {
  const size = portfolioObservationSize(spec(assets));
  const window = LOOKBACK * FEATURES;
  const out = obs.slice();
  for (let row = 0; row < obs.length; row += size) {
    order.forEach((from, to) => {
      out.set(obs.subarray(row + from * window, row + (from + 1) * window), row + to * window);
      out[row + assets * window + to] = obs[row + assets * window + from];
    });
  }
  return out;
}

function outputs(network: PortfolioActorCritic, obs: Float32Array, count: number): { mean: Float32Array; value: Float32Array } {
  return tf.tidy(() => {
    const { mean, value } = network.forward(tf.tensor2d(obs, [count, obs.length / count]));
    return { mean: mean.dataSync() as Float32Array, value: value.dataSync() as Float32Array };
  });
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tolerance);
}

describe('portfolio network config', () => {
  it('fills every field with its default and describes every field', () => {
    expect(portfolioNetworkSchema.parse({})).toEqual(DEFAULT_PORTFOLIO_NETWORK);
    for (const [key, field] of Object.entries(portfolioNetworkSchema.shape)) expect(field.description, key).toBeTruthy();
  });

  it('names the field when the attention width does not split into heads', () => {
    expect(portfolioNetworkErrors({ ...DEFAULT_PORTFOLIO_NETWORK, encoder: 'per-asset', modelDim: 30, attentionHeads: 4 })).toEqual({
      'network.modelDim': '30 must be divisible by attentionHeads (4)',
    });
    expect(portfolioNetworkSchema.safeParse({ initialLogStd: 5 }).success).toBe(false);
  });
});

describe('Enhanced (per-asset) portfolio network', () => {
  const config: PortfolioNetworkConfig = { ...SMALL, encoder: 'per-asset' };

  it('has the same parameter shapes for any asset count', () => {
    expect(portfolioWeightShapes(spec(5), config)).toEqual(portfolioWeightShapes(spec(3), config));
    expect(portfolioWeightShapes(spec(3, 'long-short'), config).some(([name]) => name.startsWith('cash'))).toBe(false);
  });

  it('runs one set of weights on 3 and on 5 assets, and a 5-asset network built from the 3-asset weights agrees', async () => {
    const trained = new PortfolioActorCritic(spec(3), config, 7);
    const three = outputs(trained, observations(3, 4, 1), 4);
    expect(three.mean.length).toBe(4 * 4);
    const obsFive = observations(5, 4, 2);
    const five = outputs(trained, obsFive, 4);
    expect(five.mean.length).toBe(4 * 6);
    expect(five.value.length).toBe(4);

    const transferred = new PortfolioActorCritic(spec(5), config, 99, await trained.getWeights());
    expectAllClose(outputs(transferred, obsFive, 4).mean, five.mean, 1e-6);
    trained.dispose();
    transferred.dispose();
  });

  it('permutes its asset outputs with the assets and keeps the cash output and the value', () => {
    for (const mode of ['long-only', 'long-short'] as const) {
      const network = new PortfolioActorCritic(spec(4, mode), config, 3);
      // The initial mean heads (gain 0.01) put every output near 0: scaled up, they differ visibly between assets.
      network.setWeights(
        new Map(network.params.map(({ name, variable }) => [name, /Mean\/kernel$/.test(name) ? scaled(variable, 100) : read(variable)])),
      );
      const order = [2, 0, 3, 1];
      const obs = observations(4, 3, 5);
      const base = outputs(network, obs, 3);
      const permuted = outputs(network, permuteAssets(obs, 4, order), 3);
      const actions = mode === 'long-only' ? 5 : 4;
      for (let r = 0; r < 3; r++) {
        const expected = order.map((from) => base.mean[r * actions + from]);
        if (mode === 'long-only') expected.push(base.mean[r * actions + 4]);
        expectAllClose(permuted.mean.subarray(r * actions, (r + 1) * actions), expected, 1e-4);
      }
      expectAllClose(permuted.value, base.value, 1e-4);
      expect(new Set(Array.from(base.mean.subarray(0, 4), (x) => x.toFixed(4))).size).toBe(4);
      network.dispose();
    }
  });

  it('repeats the asset log-std per asset and appends the cash one (long-only)', () => {
    const network = new PortfolioActorCritic(spec(3), { ...config, initialLogStd: -1 }, 1);
    network.setWeights(
      new Map(network.params.map(({ name, variable }) => [name, name === 'logStd' ? Float32Array.of(-1, 0.5) : read(variable)])),
    );
    expect(Array.from(tf.tidy(() => network.logStd(5).dataSync()))).toEqual([-1, -1, -1, -1, -1, 0.5]);
    network.dispose();
  });
});

describe('Standard (mlp) portfolio network', () => {
  const config: PortfolioNetworkConfig = { ...SMALL, encoder: 'mlp' };

  it('refuses observations of another asset count, naming both counts', async () => {
    const network = new PortfolioActorCritic(spec(3), config, 7);
    const attempt = portfolioPolicyMean(network, observations(5, 2, 1), 2);
    await expect(attempt).rejects.toThrow(AssetCountError);
    await expect(attempt).rejects.toThrow(/trained on 3 assets and cannot run on 5/);
    expect(tf.memory().numTensors).toBe(network.params.length);
    network.dispose();
  });

  it('refuses to load weights trained on another asset count', async () => {
    const trained = new PortfolioActorCritic(spec(3), config, 7);
    const weights = await trained.getWeights();
    trained.dispose();
    const load = () => new PortfolioActorCritic(spec(5), config, 7, weights);
    expect(load).toThrow(AssetCountError);
    try {
      load();
    } catch (error) {
      expect((error as AssetCountError).trainedAssets).toBe(3);
      expect((error as AssetCountError).givenAssets).toBe(5);
      expect((error as AssetCountError).hint).toMatch(/per-asset/);
    }
  });

  it('refuses an observation that fits no asset count of its window', () => {
    const network = new PortfolioActorCritic(spec(3), config, 7);
    expect(() => network.assetsIn(portfolioObservationSize(spec(3)) + 1)).toThrow(ObservationShapeError);
    network.dispose();
  });

  it('gives back the same outputs when rebuilt from its weights', async () => {
    const network = new PortfolioActorCritic(spec(3), config, 7);
    const obs = observations(3, 2, 4);
    const rebuilt = new PortfolioActorCritic(spec(3), config, 1234, await network.getWeights());
    expect(Array.from(await portfolioPolicyMean(rebuilt, obs, 2))).toEqual(Array.from(await portfolioPolicyMean(network, obs, 2)));
    expect(Array.from(await portfolioPolicyMean(network, obs, 2)).every(Number.isFinite)).toBe(true);
    network.dispose();
    rebuilt.dispose();
  });
});

function read(variable: tf.Variable): Float32Array {
  return variable.dataSync() as Float32Array;
}

function scaled(variable: tf.Variable, factor: number): Float32Array {
  return (variable.dataSync() as Float32Array).map((x) => x * factor);
}
