import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignAssets } from '../data/align';
import { barsToCsv } from '../data/sampleData';
import { generatePortfolioSample } from '../data/portfolioSample';
import { importCsv } from '../data/importCsv';
import { parsePortfolioBundle, serializePortfolioBundle } from '../portfolio/bundle';
import type { PortfolioOverrides } from '../portfolio/trainingConfig';
import { backtestPortfolioModel, predictPortfolio, trainPortfolio } from './portfolio';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function assets(count: number, seed = 3) {
  const generated = generatePortfolioSample({ assets: count, bars: 900, seed, gaps: 0.01 });
  const inputs = [];
  for (const g of generated) {
    const { bars, report } = await importCsv(barsToCsv(g.bars), { fileName: `${g.name}.csv` });
    inputs.push({ name: g.name, bars, report });
  }
  return { ...alignAssets(inputs), fileNames: inputs.map((i) => i.report.fileName) };
}

const tiny: PortfolioOverrides = {
  env: { lookback: 8, numEnvs: 2, episodeLength: 100 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 2 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 3 },
  eval: { everyUpdates: 1 },
};

describe('portfolio training, model file, backtest and prediction', () => {
  it('trains a Standard long-only agent, keeps the best validation checkpoint, and tests it against 1/N', async () => {
    const { market, report, fileNames } = await assets(3);
    const evaluations: boolean[] = [];
    const outcome = await trainPortfolio(market, report, fileNames, { ...tiny, variant: 'standard' }, 'pf', {
      onEvaluation: (e) => void evaluations.push(e.isBest),
    });
    expect(evaluations.length).toBe(3);
    expect(outcome.bundle.training.selection?.evaluations).toBe(3);
    expect(outcome.test?.metrics.totalReturn).toEqual(expect.any(Number));
    expect(outcome.baselines.map((b) => b.label)).toEqual([
      'equal-weight-bar',
      'equal-weight-day',
      'equal-weight-week',
      'equal-weight-hold',
      ...market.assets.map((a) => `buy-and-hold:${a}`),
    ]);
    // Every baseline and the agent ran on the same test bars.
    for (const b of outcome.baselines) expect(b.time).toEqual(outcome.test!.time);

    const bundle = parsePortfolioBundle(serializePortfolioBundle(outcome.bundle));
    expect(bundle.assets).toEqual(market.assets);
    const again = await backtestPortfolioModel(bundle, market, report, 'test');
    expect(again.result.metrics).toEqual(outcome.test!.metrics);
    expect(again.inSample).toBe(false);
    expect((await backtestPortfolioModel(bundle, market, report, 'train')).inSample).toBe(true);

    const prediction = await predictPortfolio(bundle, market, report);
    expect(prediction.weights.map((w) => w.asset)).toEqual([...market.assets, 'cash']);
    expect(prediction.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 6);
    expect(prediction.weights.every((w) => w.weight >= 0)).toBe(true);

    // The Standard network is tied to its three assets.
    const four = await assets(4, 9);
    await expect(backtestPortfolioModel(bundle, four.market, four.report)).rejects.toThrow(/only runs on those assets/);
  });

  it('runs an Enhanced model on another number of assets of the same features', async () => {
    const { market, report, fileNames } = await assets(3);
    const outcome = await trainPortfolio(
      market,
      report,
      fileNames,
      { ...tiny, variant: 'enhanced', env: { ...tiny.env, mode: 'long-short' } },
      'pfe',
    );
    const bundle = parsePortfolioBundle(serializePortfolioBundle(outcome.bundle));
    const five = await assets(5, 11);
    const result = await backtestPortfolioModel(bundle, five.market, five.report, 'test');
    expect(result.result.assets).toHaveLength(5);
    const prediction = await predictPortfolio(bundle, five.market, five.report);
    const gross = prediction.weights.slice(0, 5).reduce((s, w) => s + Math.abs(w.weight), 0);
    expect(gross).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('refuses a single-asset model file and a damaged weight by name', async () => {
    expect(() => parsePortfolioBundle('{"format":"ppo-trading-lab/model"}')).toThrow(/single-asset model file/);
    const { market, report, fileNames } = await assets(2);
    const outcome = await trainPortfolio(market, report, fileNames, { ...tiny, stop: { totalTimesteps: 64 } }, 'pf2');
    const damaged = JSON.parse(serializePortfolioBundle(outcome.bundle));
    damaged.weights[0].shape = [1, 2, 3];
    expect(() => parsePortfolioBundle(JSON.stringify(damaged))).toThrow(/has shape \[1,2,3\]/);
  });
});
