import { describeAssumptions } from '../backtest/runner';
import { formatMetric, formatNumber, METRIC_ROWS } from '../backtest/metricTable';
import type { BacktestMetrics } from '../backtest/types';
import { bandsAt, type Percentiles } from '../evaluation';
import type { ModelEvaluation } from '../workflow/evaluate';
import { barChartSvg, escapeHtml, lineChartSvg } from './svg';

/** A time as a report shows it: ms since the epoch (UTC) or an ISO string. */
export type ReportTime = number | string;

/** The bars one split of a walk-forward fold covered, inclusive (SplitSpan-compatible). */
export interface ReportDateRange {
  firstTime: ReportTime;
  lastTime: ReportTime;
  bars?: number;
}

export interface WalkForwardFoldInput {
  index: number;
  train: ReportDateRange;
  validation: ReportDateRange;
  test: ReportDateRange;
  /** The fold's test-split metrics. */
  metrics: BacktestMetrics;
}

/** A walk-forward run: its folds and the test segments stitched into one out-of-sample curve. */
export interface WalkForwardInput {
  folds: WalkForwardFoldInput[];
  stitched: { time: ArrayLike<number>; equity: ArrayLike<number>; metrics: BacktestMetrics };
}

export interface ReportInput {
  evaluation: ModelEvaluation;
  /** Optional walk-forward result: a folds table and the stitched curve. */
  walkForward?: WalkForwardInput | null;
  /** Shown in the header; default: now. */
  generatedAt?: string;
}

const COLORS = { model: '#15803d', buyHold: '#64748b', band: '#2563eb', drawdown: '#dc2626' };

/**
 * The evaluation as one self-contained HTML page (inline CSS, inline SVG charts; nothing loads from
 * the network), after quantstats' tear sheet: settings, data, assumptions, metrics, equity with Monte
 * Carlo bands, drawdowns, regimes, significance and, when given, walk-forward folds. Every string that
 * comes from the data (file and model names) is escaped.
 */
export function renderReportHtml(input: ReportInput): string {
  const e = input.evaluation;
  const generated = input.generatedAt ?? new Date().toISOString();
  const intraday = (e.trainingData.intervalMs ?? 86_400_000) < 86_400_000;
  const date = (t: ReportTime) => formatDate(t, intraday);
  const title = `${e.model.name} on ${e.file} (${e.split === 'all' ? 'all bars' : `${e.split} split`})`;

  const sections = [
    `<header><h1>${escapeHtml(title)}</h1><p class="muted">PPO Trading Lab evaluation report · generated ${escapeHtml(generated)}</p>` +
      `<p class="verdict ${verdictClass(e.significance.significant)}" id="verdict">${escapeHtml(e.significance.verdict)}</p>` +
      `<p class="${e.inSample ? 'warn' : 'muted'}" id="sample-note">${e.inSample ? '<strong>In sample.</strong> ' : ''}${escapeHtml(e.sample.note)}</p></header>`,
    section(
      'Model',
      keyValueTable([
        ['Name', e.model.name],
        ['Variant', e.model.variant],
        ['Created', e.model.createdAt],
        ['Timesteps at the saved checkpoint', String(e.model.timesteps)],
        ...Object.entries(e.model.config).map(([k, v]): [string, string] => [k, String(v)]),
      ]),
    ),
    section(
      'Data',
      keyValueTable([
        ['Evaluated file', e.file],
        ['Split', e.split],
        ['Bars', String(e.bars)],
        ['From', date(e.firstTime)],
        ['To', date(e.lastTime)],
        ['Training file', e.trainingData.fileName],
        ['Training rows', String(e.trainingData.rows)],
        ['Training range', `${date(e.trainingData.firstTime)} → ${date(e.trainingData.lastTime)}`],
        ['Training close hash (FNV-1a)', e.trainingData.closeHash],
        ['Match with training data', e.sample.match],
        ...(['train', 'validation', 'test'] as const).flatMap((s): [string, string][] => {
          const span = e.trainingData.splits?.[s];
          return span ? [[`Model's ${s} split`, `${date(span.firstTime)} → ${date(span.lastTime)} (${span.bars} bars)`]] : [];
        }),
      ]),
    ),
    section('Assumptions', `<p>${escapeHtml(describeAssumptions(e.assumptions))}.</p>`),
    section('Metrics', metricsTable([['Model', e.metrics]])),
    section(
      'Equity vs buy & hold',
      equityChart(e, date) +
        `<p class="muted">Bands: 5–95 % and 25–75 % of ${e.monteCarlo.resamples} block-bootstrap resamples of the bar returns${e.monteCarlo.blockLength ? ` (mean block ${e.monteCarlo.blockLength} bars)` : ''}.</p>`,
    ),
    section(
      'Drawdown (underwater)',
      lineChartSvg({
        title: 'Drawdown, percent',
        x: e.curve.time,
        series: [{ label: 'drawdown %', values: e.curve.drawdown, color: COLORS.drawdown, fillToZero: true }],
        xFormat: date,
        yFormat: (v) => `${v.toFixed(1)} %`,
        height: 200,
      }),
    ),
    section('Monte Carlo', monteCarloTables(e)),
    section('Regimes', regimeSection(e)),
    section('Significance', significanceSection(e)),
    ...(input.walkForward ? [section('Walk-forward', walkForwardSection(input.walkForward, date))] : []),
    ...(e.notes.length ? [section('Notes', `<ul>${e.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`)] : []),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

const CSS = `
body{margin:0;background:#f8fafc;color:#0f172a;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 8px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px;margin:16px 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid #f1f5f9;text-align:right}
th:first-child,td:first-child{text-align:left}
th{font-weight:600;color:#334155}
.kv td:last-child{text-align:left;word-break:break-all}
.muted{color:#64748b}.warn{color:#b45309;background:#fffbeb;padding:6px 8px;border-radius:4px}
.verdict{font-weight:600;padding:8px;border-radius:4px;background:#f1f5f9}
.verdict.yes{background:#dcfce7;color:#166534}.verdict.no{background:#fee2e2;color:#991b1b}
.pos{color:#15803d}.neg{color:#b91c1c}
svg{display:block;margin:8px 0}
`;

function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function keyValueTable(rows: [string, string][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function metricsTable(columns: [string, BacktestMetrics][]): string {
  const head = `<tr><th scope="col">Metric</th>${columns.map(([name]) => `<th scope="col">${escapeHtml(name)}</th>`).join('')}</tr>`;
  const body = METRIC_ROWS.map(
    (row) =>
      `<tr><th scope="row">${escapeHtml(row.label)}</th>${columns.map(([, m]) => `<td>${escapeHtml(formatMetric(m, row))}</td>`).join('')}</tr>`,
  ).join('');
  return `<table class="metrics"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function equityChart(e: ModelEvaluation, date: (t: number) => string): string {
  const bands = e.monteCarlo.equityBands;
  return lineChartSvg({
    title: 'Equity vs buy & hold with Monte Carlo percentile bands',
    x: e.curve.time,
    series: [
      { label: 'buy & hold', values: e.curve.buyHold, color: COLORS.buyHold, dashed: true },
      { label: 'model', values: e.curve.equity, color: COLORS.model },
      ...(bands ? [{ label: 'resampled median', values: bandsAt(bands, e.curve.time).p50, color: COLORS.band, dashed: true }] : []),
    ],
    bands: bands
      ? [
          { label: '5–95 %', x: bands.time, low: bands.p5, high: bands.p95, color: COLORS.band, opacity: 0.12 },
          { label: '25–75 %', x: bands.time, low: bands.p25, high: bands.p75, color: COLORS.band, opacity: 0.22 },
        ]
      : [],
    xFormat: date,
    yFormat: (v) => formatNumber(v, 0),
  });
}

const PERCENTILES = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;

function percentileRow(label: string, p: Percentiles | null, unit: string, reason?: string): string {
  if (!p) return `<tr><th scope="row">${escapeHtml(label)}</th><td colspan="5" class="muted">${escapeHtml(reason ?? 'n/a')}</td></tr>`;
  return `<tr><th scope="row">${escapeHtml(label)}</th>${PERCENTILES.map((k) => `<td>${escapeHtml(formatNumber(p[k]))}${unit}</td>`).join('')}</tr>`;
}

function monteCarloTables(e: ModelEvaluation): string {
  const head = `<thead><tr><th scope="col"></th>${PERCENTILES.map((k) => `<th scope="col">${k}</th>`).join('')}</tr></thead>`;
  const b = e.monteCarlo;
  const t = e.monteCarloTrades;
  const probability = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(1)} %`);
  return (
    `<h3>Block bootstrap of bar returns (${b.resamples} resamples)</h3>` +
    `<table class="monte-carlo">${head}<tbody>` +
    percentileRow('Final return', b.finalReturn, ' %', b.reasons.finalReturn) +
    percentileRow('Max drawdown', b.maxDrawdown, ' %', b.reasons.maxDrawdown) +
    percentileRow('Sharpe ratio', b.sharpe, '', b.reasons.sharpe) +
    `</tbody></table>` +
    `<p>Probability of a loss: <strong>${probability(b.probabilityOfLoss)}</strong>; of a drawdown of ${b.drawdownThreshold} % or deeper: <strong>${probability(b.probabilityOfDrawdownBeyond)}</strong>.</p>` +
    `<h3>Bootstrap of trades (${t.resamples} resamples)</h3>` +
    `<table class="monte-carlo">${head}<tbody>` +
    percentileRow('Final return', t.finalReturn, ' %', t.reasons.finalReturn) +
    percentileRow('Max drawdown (trade to trade)', t.maxDrawdown, ' %', t.reasons.maxDrawdown) +
    percentileRow('Sharpe ratio (per trade, annualised)', t.sharpe, '', t.reasons.sharpe) +
    `</tbody></table>` +
    `<p>Probability of a loss: <strong>${probability(t.probabilityOfLoss)}</strong>.</p>`
  );
}

function regimeSection(e: ModelEvaluation): string {
  const th = e.regimeThresholds;
  const rows = e.regimes
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.regime)}</th><td>${r.bars}</td><td class="${r.totalReturn > 0 ? 'pos' : r.totalReturn < 0 ? 'neg' : ''}">${escapeHtml(formatNumber(r.totalReturn))} %</td>` +
        `<td>${escapeHtml(formatNumber(r.sharpe))}</td><td>${r.exposure === null ? '—' : `${escapeHtml(formatNumber(r.exposure))} %`}</td><td>${r.trades}</td>` +
        `<td>${r.winRate === null ? '—' : `${escapeHtml(formatNumber(r.winRate))} %`}</td></tr>`,
    )
    .join('');
  const chart = barChartSvg({
    title: 'Total return by regime, percent',
    labels: e.regimes.map((r) => r.regime),
    values: e.regimes.map((r) => (r.bars > 0 ? r.totalReturn : null)),
    format: (v) => `${v.toFixed(1)} %`,
  });
  return (
    `<p class="muted">Volatility (20-bar) terciles ${escapeHtml(th.volatilityLow.toPrecision(3))} / ${escapeHtml(th.volatilityHigh.toPrecision(3))}, fitted on the ${escapeHtml(th.source)}; trend is the sign of the SMA(50) slope.</p>` +
    `<table class="regimes"><thead><tr><th scope="col">Regime</th><th scope="col">Bars</th><th scope="col">Total return</th><th scope="col">Sharpe</th><th scope="col">Exposure</th><th scope="col">Trades</th><th scope="col">Win rate</th></tr></thead><tbody>${rows}</tbody></table>` +
    chart
  );
}

function significanceSection(e: ModelEvaluation): string {
  const s = e.significance;
  const p = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  return (
    keyValueTable([
      ['PSR (Sharpe > 0)', p(s.psr)],
      ['PSR vs buy & hold', p(s.psrVsBuyHold)],
      [`DSR (${s.trials} trial${s.trials === 1 ? '' : 's'}: ${s.trialsSource})`, p(s.dsr)],
      ['Timing test p-value', p(s.timingPValue)],
      ['Sharpe ratio (annualised, daily)', formatNumber(s.sharpe)],
      ['Buy & hold Sharpe ratio', formatNumber(s.buyHoldSharpe)],
    ]) +
    `<p class="verdict ${verdictClass(s.significant)}">${escapeHtml(s.verdict)}</p>` +
    (s.reasons.length ? `<ul class="muted">${s.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '') +
    `<p class="muted">Significant means all three: timing p &lt; 0.05, DSR &gt; 0.95 and PSR vs buy &amp; hold &gt; 0.95.</p>`
  );
}

function walkForwardSection(wf: WalkForwardInput, date: (t: ReportTime) => string): string {
  const range = (r: ReportDateRange) => `${date(r.firstTime)} → ${date(r.lastTime)}${r.bars !== undefined ? ` (${r.bars})` : ''}`;
  const rows = wf.folds
    .map(
      (f) =>
        `<tr><th scope="row">${f.index}</th><td>${escapeHtml(range(f.train))}</td><td>${escapeHtml(range(f.validation))}</td><td>${escapeHtml(range(f.test))}</td>` +
        `<td>${escapeHtml(formatNumber(f.metrics.totalReturn))} %</td><td>${escapeHtml(formatNumber(f.metrics.buyHoldReturn))} %</td><td>${escapeHtml(formatNumber(f.metrics.sharpe))}</td>` +
        `<td>${escapeHtml(formatNumber(f.metrics.maxDrawdown))} %</td><td>${f.metrics.trades}</td></tr>`,
    )
    .join('');
  const table =
    `<table class="folds"><thead><tr><th scope="col">Fold</th><th scope="col">Train</th><th scope="col">Validation</th><th scope="col">Test</th>` +
    `<th scope="col">Test return</th><th scope="col">Buy &amp; hold</th><th scope="col">Sharpe</th><th scope="col">Max DD</th><th scope="col">Trades</th></tr></thead><tbody>${rows}</tbody></table>`;
  const chart = lineChartSvg({
    title: 'Stitched out-of-sample equity',
    x: wf.stitched.time,
    series: [{ label: 'stitched test equity', values: wf.stitched.equity, color: COLORS.model }],
    xFormat: date,
    yFormat: (v) => formatNumber(v, 0),
  });
  return table + `<h3>Stitched test segments</h3>` + chart + metricsTable([['Stitched', wf.stitched.metrics]]);
}

function verdictClass(significant: boolean | null): string {
  return significant === true ? 'yes' : significant === false ? 'no' : '';
}

function formatDate(t: ReportTime, withTime: boolean): string {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) return String(t);
  const iso = new Date(ms).toISOString();
  return withTime ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 10);
}
