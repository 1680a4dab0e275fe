import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetSummary } from '../../core/workflow/dataset';
import { formatCount, formatTime } from '../format';

const SPLIT_COLOURS = { train: '#3b82f6', validation: '#f59e0b', test: '#a855f7' } as const;

export function PriceChart({ dataset }: { dataset: DatasetSummary }) {
  const { chart, report, splitSpans, splitError } = dataset;
  const points = useMemo(() => chart.time.map((t, i) => ({ t, close: chart.close[i] })), [chart]);
  const interval = report.intervalMs;

  return (
    <figure className="chart" data-testid="price-chart" aria-label={`Close price of ${report.fileName}`}>
      <figcaption>
        Close price, {report.fileName} ({formatCount(dataset.barCount)} bars
        {chart.time.length < dataset.barCount ? `, ${formatCount(chart.time.length)} drawn` : ''})
      </figcaption>
      <ResponsiveContainer width="100%" height={300}>
        <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid stroke="var(--chart-grid)" />
          {splitSpans.map((s) => (
            <ReferenceArea
              key={s.name}
              x1={s.startTime}
              x2={s.endTime}
              fill={SPLIT_COLOURS[s.name]}
              fillOpacity={0.12}
              ifOverflow="hidden"
            />
          ))}
          <XAxis
            minTickGap={40}
            dataKey="t"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(t: number) => formatTime(t, interval)}
            stroke="#94a3b8"
          />
          <YAxis domain={['auto', 'auto']} stroke="#94a3b8" width={70} tickFormatter={(v: number) => v.toPrecision(5)} />
          <Tooltip
            labelFormatter={(t) => formatTime(Number(t), interval)}
            formatter={(v) => [Number(v).toPrecision(6), 'Close']}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }}
          />
          <Line type="linear" dataKey="close" stroke="var(--chart-line)" dot={false} strokeWidth={1.2} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      {splitSpans.length ? (
        <ul className="legend" data-testid="split-legend">
          {splitSpans.map((s) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: SPLIT_COLOURS[s.name] }} />
              {s.name}: {formatCount(s.bars)} bars, {formatTime(s.startTime, interval)} → {formatTime(s.endTime, interval)}
            </li>
          ))}
        </ul>
      ) : null}
      {splitError ? (
        <p className="warning" data-testid="split-warning">
          {splitError.message}
        </p>
      ) : null}
    </figure>
  );
}
