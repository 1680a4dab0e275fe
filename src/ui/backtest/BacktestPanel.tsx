import { useId, useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { labClient, savedModelRef, type BacktestView, type ExportKind } from '../../api/labClient';
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

type SplitChoice = 'test' | 'validation' | 'train' | 'all';
const AXIS = '#94a3b8';
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' };

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
  const ids = { model: useId(), split: useId(), file: useId() };
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
          <label htmlFor={ids.file} className="button secondary">
            Backtest a CSV…
          </label>
          <input
            id={ids.file}
            className="visually-hidden"
            type="file"
            accept=".csv,.txt,.tsv,text/csv,text/plain"
            data-testid="backtest-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) runFile(file);
            }}
          />
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

function BacktestResultView({ view, intervalMs }: { view: BacktestView; intervalMs: number }) {
  const c = view.chart;
  const evaluation = useTrainingStore((s) => s.backtest.evaluation);
  const evaluating = useTrainingStore((s) => s.backtest.evaluating);
  const evaluate = useTrainingStore((s) => s.evaluateBacktest);
  const series = useMemo(() => {
    // Monte Carlo percentile bands, once evaluated, at the chart's own points.
    const bands = evaluation?.monteCarlo.equityBands ? bandsAt(evaluation.monteCarlo.equityBands, c.time) : null;
    return Array.from(c.time, (t, i) => ({
      t,
      equity: c.equity[i],
      buyHold: c.buyHold[i],
      drawdown: c.drawdown[i],
      close: c.close[i],
      ...(bands ? { outer: [bands.p5[i], bands.p95[i]], inner: [bands.p25[i], bands.p75[i]] } : {}),
    }));
  }, [c, evaluation]);
  const markers = useMemo(() => {
    const buys: { t: number; close: number }[] = [];
    const sells: { t: number; close: number }[] = [];
    view.markers.time.forEach((t, i) => (view.markers.side[i] === 1 ? buys : sells).push({ t, close: view.markers.price[i] }));
    return { buys, sells };
  }, [view.markers]);
  const tick = (t: number) => formatTime(t, intervalMs);
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
      <div className="chart-grid">
        <figure className="chart-card" data-testid="backtest-equity">
          <figcaption>Equity vs buy & hold{evaluation ? ' with Monte Carlo bands (5–95 %, 25–75 %)' : ''}</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <ComposedChart data={series} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
              <CartesianGrid stroke="var(--chart-grid)" />
              <XAxis
                interval={0}
                tickCount={6}
                dataKey="t"
                type="number"
                domain={['dataMin', 'dataMax']}
                tickFormatter={tick}
                stroke={AXIS}
              />
              <YAxis
                interval={0}
                tickCount={5}
                stroke={AXIS}
                width={64}
                domain={['auto', 'auto']}
                tickFormatter={(v: number) => v.toFixed(0)}
              />
              <Tooltip
                contentStyle={TOOLTIP_STYLE}
                labelFormatter={(t) => tick(Number(t))}
                formatter={(v) => (Array.isArray(v) ? v.map((x) => Number(x).toFixed(0)).join(' – ') : Number(v).toFixed(2))}
              />
              <Legend />
              {evaluation ? (
                <Area dataKey="outer" name="MC 5–95 %" stroke="none" fill="#3b82f6" fillOpacity={0.15} isAnimationActive={false} />
              ) : null}
              {evaluation ? (
                <Area dataKey="inner" name="MC 25–75 %" stroke="none" fill="#3b82f6" fillOpacity={0.25} isAnimationActive={false} />
              ) : null}
              <Line
                dataKey="buyHold"
                name="buy & hold"
                stroke="var(--chart-line)"
                strokeDasharray="4 3"
                dot={false}
                isAnimationActive={false}
              />
              <Line dataKey="equity" name="model" stroke="#22c55e" strokeWidth={2} dot={false} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
        <figure className="chart-card" data-testid="backtest-underwater">
          <figcaption>Underwater (drawdown %)</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <AreaChart data={series} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
              <CartesianGrid stroke="var(--chart-grid)" />
              <XAxis
                interval={0}
                tickCount={6}
                dataKey="t"
                type="number"
                domain={['dataMin', 'dataMax']}
                tickFormatter={tick}
                stroke={AXIS}
              />
              <YAxis interval={0} tickCount={5} stroke={AXIS} width={48} tickFormatter={(v: number) => v.toFixed(0)} />
              <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(t) => tick(Number(t))} formatter={(v) => `${Number(v).toFixed(2)}%`} />
              <Area dataKey="drawdown" name="drawdown" stroke="#ef4444" fill="#ef4444" fillOpacity={0.3} isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </figure>
      </div>
      <figure className="chart-card" data-testid="backtest-price">
        <figcaption>Price with the model's buys (▲) and sells (▼)</figcaption>
        <ResponsiveContainer width="100%" height={240}>
          <ComposedChart data={series} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--chart-grid)" />
            <XAxis
              interval={0}
              tickCount={6}
              dataKey="t"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={tick}
              stroke={AXIS}
            />
            <YAxis
              interval={0}
              tickCount={5}
              dataKey="close"
              stroke={AXIS}
              width={64}
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => v.toPrecision(5)}
            />
            <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={(t) => tick(Number(t))} formatter={(v) => Number(v).toPrecision(6)} />
            <Line dataKey="close" name="close" stroke="var(--chart-line)" dot={false} isAnimationActive={false} />
            <Scatter data={markers.buys} dataKey="close" name="buy" fill="#22c55e" shape="triangle" isAnimationActive={false} />
            <Scatter data={markers.sells} dataKey="close" name="sell" fill="#ef4444" shape="triangle" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </figure>
      {evaluation ? <EvaluationDetails evaluation={evaluation} /> : null}
      <TradesTable trades={view.trades} intervalMs={intervalMs} />
    </div>
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
const SHOWN_TRADES = 200;

const EXIT_REASONS: Record<NonNullable<Trade['exitReason']>, string> = {
  action: 'order',
  'margin-call': 'margin call',
  'session-close': 'session close',
  end: 'end of run',
  ruin: 'ruin',
};

function TradesTable({ trades, intervalMs }: { trades: Trade[]; intervalMs: number }) {
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'entryTime', descending: false });
  const sorted = useMemo(() => {
    const out = trades.slice().sort((a, b) => (a[sort.key] ?? 0) - (b[sort.key] ?? 0));
    return sort.descending ? out.reverse() : out;
  }, [trades, sort]);
  if (trades.length === 0) return <p className="empty">No trades.</p>;
  return (
    <div className="table-wrap">
      <table className="trades" data-testid="trades-table">
        <caption>
          Trades ({trades.length.toLocaleString('en-US')}
          {trades.length > SHOWN_TRADES ? `, first ${SHOWN_TRADES} shown; export for all` : ''})
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
          {sorted.slice(0, SHOWN_TRADES).map((t, i) => (
            <tr key={i}>
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
    </div>
  );
}
