import { startTransition, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { labClient, savedModelRef, type BacktestView, type ExportKind, type ModelEvaluation } from '../../api/labClient';
import type { Trade } from '../../core/backtest/types';
import { useLabStore } from '../../store/labStore';
import { useTrainingStore } from '../../store/trainingStore';
import { useFileDrop } from '../useFileDrop';
import { downloadText } from '../../store/download';
import { useLibraryStore } from '../../store/libraryStore';
import { useWalkForwardStore } from '../../store/walkForwardStore';
import { MetricsTable } from '../MetricsTable';
import { formatNumber } from '../charts/series';
import { formatTime } from '../format';
import { bandsAt } from '../../core/evaluation/bands';
import { EvaluationBar, EvaluationDetails } from './EvaluationView';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { CSV_ACCEPT, FilePicker } from '../FilePicker';

type SplitChoice = 'test' | 'validation' | 'train' | 'all';

export function BacktestPanel() {
  const allRuns = useTrainingStore((s) => s.runs);
  const foldModels = useWalkForwardStore((s) => s.models);
  const saved = useLibraryStore((s) => s.models);
  const choices = useMemo(
    () => [
      ...allRuns.filter((r) => r.result).map((r) => ({ ref: r.result!.runId, label: `${r.result!.name} (${r.result!.timesteps} steps)` })),
      ...foldModels.map((m) => ({ ref: m.runId, label: `${m.name} (${m.timesteps} steps)` })),
      ...saved.filter((m) => m.kind === 'model').map((m) => ({ ref: savedModelRef(m.id), label: `${m.name} (saved)` })),
    ],
    [allRuns, foldModels, saved],
  );
  const backtest = useTrainingStore((s) => s.backtest);
  const runBacktest = useTrainingStore((s) => s.runBacktest);
  const selectBacktestModel = useTrainingStore((s) => s.selectBacktestModel);
  const dataset = useLabStore((s) => s.dataset);
  const showError = useLabStore((s) => s.showError);
  const [split, setSplit] = useState<SplitChoice>('test');
  const ids = { model: useId(), split: useId() };
  const runId =
    backtest.runId && choices.some((c) => c.ref === backtest.runId) ? backtest.runId : (choices[choices.length - 1]?.ref ?? null);

  const runFile = (file: File) => {
    if (!runId) {
      showError({ kind: 'UsageError', message: `Train a model before backtesting ${file.name}: press Start in the Train panel.` });
      return;
    }
    void runBacktest(runId, { kind: 'file', file, fileName: file.name });
  };
  // Dropped here the file is backtested, not loaded as training data.
  const drop = useFileDrop(runFile);

  return (
    <section
      className={`panel${drop.dragOver ? ' drop-target' : ''}`}
      aria-labelledby="backtest-title"
      data-testid="backtest-panel"
      {...drop.handlers}
    >
      <div className="panel-head">
        <h2 id="backtest-title">Backtest</h2>
        <div className="actions">
          <div className="field inline">
            <label htmlFor={ids.model}>Model</label>
            <select
              id={ids.model}
              value={runId ?? ''}
              onChange={(e) => {
                const choice = choices.find((c) => c.ref === e.target.value);
                if (choice) selectBacktestModel(choice.ref);
              }}
              data-testid="backtest-model"
              disabled={choices.length === 0}
            >
              {choices.length === 0 ? <option value="">No trained model yet</option> : null}
              {choices.map((c) => (
                <option key={c.ref} value={c.ref}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field inline">
            <label htmlFor={ids.split}>Data</label>
            <select id={ids.split} value={split} onChange={(e) => setSplit(e.target.value as SplitChoice)} data-testid="backtest-split">
              <option value="test">Test split</option>
              <option value="validation">Validation split</option>
              <option value="train">Train split</option>
              <option value="all">All loaded data</option>
            </select>
          </div>
          <button
            type="button"
            className="button"
            disabled={!runId || !dataset || backtest.running}
            onClick={() => runId && void runBacktest(runId, { kind: 'split', split })}
            data-testid="backtest-run"
          >
            Run backtest
          </button>
          <FilePicker label="Backtest a CSV…" accept={CSV_ACCEPT} secondary testId="backtest-input" onFile={runFile} />
        </div>
      </div>
      <p className="hint">
        Drop a CSV onto this panel to see how the model would have traded it: its test split when it is the model&apos;s training file,
        every bar otherwise.
      </p>
      {backtest.running ? (
        <p className="status" role="status">
          Backtesting on {backtest.source}…
        </p>
      ) : null}
      {backtest.view ? <BacktestResultView view={backtest.view} intervalMs={dataset?.report.intervalMs ?? 86_400_000} /> : null}
    </section>
  );
}

const formatMoneyAxis = (v: number) => v.toFixed(0);
const formatMoney = (v: number) => v.toFixed(2);
const formatPercentAxis = (v: number) => v.toFixed(0);
const formatPercent = (v: number) => `${v.toFixed(2)}%`;
const formatPriceAxis = (v: number) => v.toPrecision(5);
const formatPrice = (v: number) => v.toPrecision(6);
const MODEL_COLOUR = '#22c55e';
const SELL_COLOUR = '#ef4444';
const BAND_COLOUR = '#3b82f6';

/** The three backtest charts' series: canvas charts, so a result renders without a long task. */
function backtestSeries(view: BacktestView, evaluation: ModelEvaluation | null) {
  const c = view.chart;
  // Monte Carlo percentile bands, once evaluated, at the chart's own points.
  const bands = evaluation?.monteCarlo.equityBands ? bandsAt(evaluation.monteCarlo.equityBands, c.time) : null;
  const equity: CanvasSeries[] = [
    ...(bands
      ? [
          {
            name: 'MC 5–95 %',
            colour: BAND_COLOUR,
            xs: c.time,
            ys: bands.p95,
            fillTo: bands.p5,
            fillOpacity: 0.15,
            noLine: true,
            hideInTooltip: true,
          },
          {
            name: 'MC 25–75 %',
            colour: BAND_COLOUR,
            xs: c.time,
            ys: bands.p75,
            fillTo: bands.p25,
            fillOpacity: 0.25,
            noLine: true,
            hideInTooltip: true,
          },
        ]
      : []),
    { name: 'buy & hold', colour: 'var(--chart-line)', xs: c.time, ys: c.buyHold, dash: [4, 3] },
    { name: 'model', colour: MODEL_COLOUR, xs: c.time, ys: c.equity, lineWidth: 2 },
  ];
  const drawdown: CanvasSeries[] = [{ name: 'drawdown', colour: SELL_COLOUR, xs: c.time, ys: c.drawdown, fillTo: 0, fillOpacity: 0.3 }];
  const m = view.markers;
  const pick = (side: number) => {
    const index: number[] = [];
    for (let i = 0; i < m.side.length; i++) if (m.side[i] === side) index.push(i);
    return { xs: index.map((i) => m.time[i]), ys: index.map((i) => m.price[i]) };
  };
  const price: CanvasSeries[] = [
    { name: 'close', colour: 'var(--chart-line)', xs: c.time, ys: c.close },
    { name: 'buy', colour: MODEL_COLOUR, ...pick(1), marks: 'up', hideInTooltip: true },
    { name: 'sell', colour: SELL_COLOUR, ...pick(-1), marks: 'down', hideInTooltip: true },
  ];
  return { equity, drawdown, price };
}

/**
 * How far a new result has been revealed: 0 the summary and metrics, 1 the charts too, 2 everything.
 * Each step is rendered in its own task after the previous one has been painted, so a backtest of
 * thousands of bars shows up without one main-thread task over 50 ms.
 */
function useStagedReveal(key: unknown, steps: number): number {
  const [state, setState] = useState({ key, stage: 0 });
  const stage = state.key === key ? state.stage : 0;
  if (state.key !== key) setState({ key, stage: 0 });
  useEffect(() => {
    if (stage >= steps) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // After the next frame is painted, then as a task of its own.
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => startTransition(() => setState((s) => (s.key === key ? { key, stage: s.stage + 1 } : s))), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [key, stage, steps]);
  return stage;
}

function BacktestResultView({ view, intervalMs }: { view: BacktestView; intervalMs: number }) {
  const stage = useStagedReveal(view, 2);
  const evaluation = useTrainingStore((s) => s.backtest.evaluation);
  const evaluating = useTrainingStore((s) => s.backtest.evaluating);
  const evaluate = useTrainingStore((s) => s.evaluateBacktest);
  const series = useMemo(() => backtestSeries(view, evaluation), [view, evaluation]);
  const tick = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const showError = useLabStore((s) => s.showError);

  const download = async (kind: ExportKind) => {
    const text = await labClient().backtest.exportBacktest(kind);
    if (text === null) return showError({ kind: 'UsageError', message: 'Run a backtest before exporting it.' });
    const extension = kind === 'report' ? 'json' : kind === 'html' ? 'html' : 'csv';
    const name = `${view.label.replace(/[^\w.-]+/g, '_')}-${kind === 'html' ? 'report' : kind}.${extension}`;
    downloadText(text, name, kind === 'report' ? 'application/json' : kind === 'html' ? 'text/html' : 'text/csv');
  };

  return (
    <div className="backtest-result" data-testid="backtest-result">
      <h3>
        {view.label}: {view.bars.toLocaleString('en-US')} bars
        {view.sample?.inSample ? (
          <span className="badge badge-warn sample-badge" data-testid="in-sample-badge" title={view.sample.note}>
            In sample
          </span>
        ) : null}
      </h3>
      {view.sample ? (
        <p className={view.sample.inSample ? 'sample-note warn' : 'hint'} data-testid="sample-note">
          {view.sample.note}
        </p>
      ) : null}
      <p className="hint" data-testid="backtest-assumptions">
        Assumptions: {view.assumptions}.
      </p>
      <p className="hint" data-testid="order-counts">
        Orders executed: {view.orders.map((o) => `${o.action} ${o.count.toLocaleString('en-US')}`).join(' · ')}
      </p>
      <EvaluationBar
        evaluation={evaluation}
        evaluating={evaluating}
        onEvaluate={() => void evaluate()}
        onExportHtml={() => void download('html').then(() => (evaluation ? undefined : evaluate()))}
      />
      <MetricsTable metrics={view.metrics} testId="backtest-metrics" />
      <div className="actions">
        <button type="button" className="button secondary" onClick={() => void download('equity')} data-testid="export-equity">
          Export equity CSV
        </button>
        <button type="button" className="button secondary" onClick={() => void download('trades')} data-testid="export-trades">
          Export trades CSV
        </button>
        <button type="button" className="button secondary" onClick={() => void download('report')} data-testid="export-report">
          Export report JSON
        </button>
      </div>
      {stage >= 1 ? (
        <BacktestCharts series={series} tick={tick} withBands={evaluation !== null} />
      ) : (
        <p className="status">Drawing the charts…</p>
      )}
      {stage >= 2 && evaluation ? <EvaluationDetails evaluation={evaluation} /> : null}
      {stage >= 2 ? <TradesTable trades={view.trades} intervalMs={intervalMs} /> : null}
    </div>
  );
}

function BacktestCharts({
  series,
  tick,
  withBands,
}: {
  series: ReturnType<typeof backtestSeries>;
  tick: (t: number) => string;
  withBands: boolean;
}) {
  return (
    <>
      <div className="chart-grid">
        <figure className="chart-card" data-testid="backtest-equity">
          <figcaption>Equity vs buy & hold{withBands ? ' with Monte Carlo bands (5–95 %, 25–75 %)' : ''}</figcaption>
          <CanvasLineChart
            series={series.equity}
            height={220}
            formatX={tick}
            formatY={formatMoneyAxis}
            formatValue={formatMoney}
            label="Equity of the model and of buy and hold over the backtest"
          />
          <SeriesLegend series={series.equity} />
        </figure>
        <figure className="chart-card" data-testid="backtest-underwater">
          <figcaption>Underwater (drawdown %)</figcaption>
          <CanvasLineChart
            series={series.drawdown}
            height={220}
            formatX={tick}
            formatY={formatPercentAxis}
            formatValue={formatPercent}
            label="Drawdown from the running peak, in percent"
          />
        </figure>
      </div>
      <figure className="chart-card" data-testid="backtest-price">
        <figcaption>Price with the model&apos;s buys (▲) and sells (▼)</figcaption>
        <CanvasLineChart
          series={series.price}
          height={240}
          formatX={tick}
          formatY={formatPriceAxis}
          formatValue={formatPrice}
          label="Close price with the model's buys and sells"
        />
        <SeriesLegend series={series.price} />
      </figure>
    </>
  );
}

function SeriesLegend({ series }: { series: CanvasSeries[] }) {
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.name}>
          {s.marks ? (
            <span className="marker" style={{ color: s.colour }}>
              {s.marks === 'up' ? '▲' : '▼'}
            </span>
          ) : (
            <span className="swatch" style={{ background: s.colour, opacity: s.noLine ? (s.fillOpacity ?? 0.25) * 2 : undefined }} />
          )}
          {s.name}
        </li>
      ))}
    </ul>
  );
}

type SortKey = 'entryTime' | 'exitTime' | 'direction' | 'entryPrice' | 'exitPrice' | 'returnPct' | 'barsHeld' | 'maxExposurePct';

const TRADE_COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'entryTime', label: 'Entry' },
  { key: 'exitTime', label: 'Exit' },
  { key: 'direction', label: 'Side' },
  { key: 'entryPrice', label: 'Entry price' },
  { key: 'exitPrice', label: 'Exit price' },
  { key: 'returnPct', label: 'Return %' },
  { key: 'barsHeld', label: 'Bars held' },
  { key: 'maxExposurePct', label: 'Max size %' },
];
/** Rows a page of the trades table shows; every trade is in the CSV export. */
const TRADES_PER_PAGE = 25;

const EXIT_REASONS: Record<NonNullable<Trade['exitReason']>, string> = {
  action: 'order',
  'margin-call': 'margin call',
  'session-close': 'session close',
  end: 'end of run',
  ruin: 'ruin',
};

function TradesTable({ trades, intervalMs }: { trades: Trade[]; intervalMs: number }) {
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'entryTime', descending: false });
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    const out = trades.slice().sort((a, b) => (a[sort.key] ?? 0) - (b[sort.key] ?? 0));
    return sort.descending ? out.reverse() : out;
  }, [trades, sort]);
  // A new backtest or a new order starts on the first page.
  useEffect(() => setPage(0), [trades, sort]);
  if (trades.length === 0) return <p className="empty">No trades.</p>;
  const pages = Math.ceil(sorted.length / TRADES_PER_PAGE);
  const current = Math.min(page, pages - 1);
  const first = current * TRADES_PER_PAGE;
  const rows = sorted.slice(first, first + TRADES_PER_PAGE);
  return (
    <div className="table-wrap">
      <table className="trades" data-testid="trades-table" data-trades={trades.length}>
        <caption>
          Trades ({trades.length.toLocaleString('en-US')}
          {pages > 1 ? `; ${(first + 1).toLocaleString('en-US')}–${(first + rows.length).toLocaleString('en-US')} shown` : ''})
        </caption>
        <thead>
          <tr>
            {TRADE_COLUMNS.map((c) => (
              <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button
                  type="button"
                  className="sort"
                  onClick={() => setSort((s) => ({ key: c.key, descending: s.key === c.key ? !s.descending : false }))}
                >
                  {c.label}
                  {sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
            <th scope="col">Orders</th>
            <th scope="col">Closed by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t, i) => (
            <tr key={first + i}>
              <td>{formatTime(t.entryTime, intervalMs)}</td>
              <td>{formatTime(t.exitTime, intervalMs)}</td>
              <td>{t.direction === 1 ? 'long' : 'short'}</td>
              <td>{t.entryPrice.toPrecision(6)}</td>
              <td>{t.exitPrice.toPrecision(6)}</td>
              <td className={t.returnPct > 0 ? 'pos' : t.returnPct < 0 ? 'neg' : ''}>{formatNumber(t.returnPct)}</td>
              <td>{t.barsHeld}</td>
              <td>{t.maxExposurePct === undefined ? '—' : t.maxExposurePct.toFixed(1)}</td>
              <td className="orders">{t.actions?.join(' ') ?? '—'}</td>
              <td>{t.exitReason ? EXIT_REASONS[t.exitReason] : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <nav className="pager" aria-label="Trades pages" data-testid="trades-pager">
          <button type="button" onClick={() => setPage(0)} disabled={current === 0} aria-label="First page">
            «
          </button>
          <button type="button" onClick={() => setPage(current - 1)} disabled={current === 0} data-testid="trades-prev">
            Previous
          </button>
          <span data-testid="trades-page" aria-live="polite">
            Page {current + 1} of {pages}
          </span>
          <button type="button" onClick={() => setPage(current + 1)} disabled={current === pages - 1} data-testid="trades-next">
            Next
          </button>
          <button type="button" onClick={() => setPage(pages - 1)} disabled={current === pages - 1} aria-label="Last page">
            »
          </button>
        </nav>
      ) : null}
    </div>
  );
}
