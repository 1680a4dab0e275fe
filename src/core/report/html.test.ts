import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import { evaluateModel, type ModelEvaluation } from '../workflow/evaluate';
import { trainModel } from '../workflow/session';
import { renderReportHtml, type WalkForwardInput } from './html';
import { escapeHtml } from './svg';

const HOSTILE_MODEL = '<script>alert("model")</script>';
const HOSTILE_FILE = '"><img src=x onerror=alert(1)>.csv';
let evaluation: ModelEvaluation;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 1200, seed: 3 })), { fileName: HOSTILE_FILE });
  const { bundle } = await trainModel(
    bars,
    report,
    {
      env: { lookback: 8, numEnvs: 2, episodeLength: 50 },
      ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
      network: { hidden: [8] },
      stop: { totalTimesteps: 64 },
      eval: { everyUpdates: 1, minTrades: 0 },
    },
    HOSTILE_MODEL,
  );
  evaluation = await evaluateModel(bundle, bars, report, { monteCarlo: { resamples: 50 }, timing: { retimings: 50 } });
}, 60_000);

describe('renderReportHtml', () => {
  it('is one self-contained page: no http(s) references, inline CSS, no scripts or external resources', () => {
    const html = renderReportHtml({ evaluation, generatedAt: '2025-01-01T00:00:00Z' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    // No element that loads anything: no script, link, image or frame, no src/href attribute, no CSS import or url().
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('<style>');
  });

  it('draws the equity with Monte Carlo bands, the underwater and regime charts as inline SVG', () => {
    const html = renderReportHtml({ evaluation });
    const svgs = html.match(/<svg /g) ?? [];
    expect(svgs.length).toBe(3);
    expect(html).toContain('aria-label="Equity vs buy &amp; hold with Monte Carlo percentile bands"');
    expect(html.match(/<polygon class="band"/g)).toHaveLength(2);
    expect(html).toContain('aria-label="Drawdown, percent"');
    expect(html).toContain('aria-label="Total return by regime, percent"');
    for (const section of ['Model', 'Data', 'Assumptions', 'Metrics', 'Monte Carlo', 'Regimes', 'Significance'])
      expect(html).toContain(`<h2>${section}</h2>`);
    expect(html).toContain(escapeHtml(evaluation.significance.verdict));
    expect(html).toContain('Sharpe ratio');
  });

  it('escapes hostile model and file names', () => {
    const html = renderReportHtml({ evaluation });
    expect(html).not.toContain(HOSTILE_MODEL);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;model&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.csv');
  });

  it('adds a walk-forward folds table and stitched curve when given one', () => {
    const m = evaluation.metrics;
    const day = 86_400_000;
    const walkForward: WalkForwardInput = {
      folds: [0, 1].map((index) => ({
        index,
        train: { firstTime: index * 100 * day, lastTime: (index * 100 + 69) * day, bars: 70 },
        validation: { firstTime: '1970-03-12T00:00:00Z', lastTime: '1970-03-26T00:00:00Z' },
        test: { firstTime: (index * 100 + 85) * day, lastTime: (index * 100 + 99) * day, bars: 15 },
        metrics: m,
      })),
      stitched: { time: [0, day, 2 * day], equity: [10_000, 10_100, 10_050], metrics: m },
    };
    const html = renderReportHtml({ evaluation, walkForward });
    expect(html).toContain('<h2>Walk-forward</h2>');
    expect(html.match(/<table class="folds">[\s\S]*?<\/table>/)?.[0].match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain('1970-01-01 → 1970-03-11 (70)');
    expect(html).toContain('aria-label="Stitched out-of-sample equity"');
    expect(html).not.toMatch(/https?:\/\//);
  });
});
