import type { MetricKey } from '../../core/backtest/types';
import { SIGNIFICANCE_THRESHOLDS } from '../../core/evaluation/skillReport';
import { latestProgress, type RunState } from '../../store/trainingStore';
import { describeRunRules } from '../../core/workflow/runSettings';
import { formatNumber, formatSteps, VARIANT_COLOURS } from '../charts/series';

const COLUMNS: { key: MetricKey; label: string }[] = [
  { key: 'totalReturn', label: 'Return %' },
  { key: 'buyHoldReturn', label: 'Buy & hold %' },
  { key: 'sharpe', label: 'Sharpe' },
  { key: 'maxDrawdown', label: 'Max DD %' },
  { key: 'trades', label: 'Trades' },
];

export function CompareTable({ runs }: { runs: RunState[] }) {
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="compare-table">
        <caption>{caption(runs)}</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Status</th>
            <th scope="col">Steps</th>
            <th scope="col">Steps/s</th>
            <th scope="col">Selected checkpoint</th>
            {COLUMNS.map((c) => (
              <th key={`v-${c.key}`} scope="col">
                Val. {c.label}
              </th>
            ))}
            {COLUMNS.map((c) => (
              <th key={`t-${c.key}`} scope="col">
                Test {c.label}
              </th>
            ))}
            <th scope="col" title={VERDICT_RULE}>
              Verdict (test)
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const last = latestProgress(r);
            const validation = r.result?.validation ?? r.best?.metrics ?? null;
            const test = r.result?.test ?? null;
            return (
              <tr key={r.key} data-variant={r.variant}>
                <th scope="row">
                  <span className="swatch" style={{ background: VARIANT_COLOURS[r.variant] }} />
                  {r.variant}
                  {r.result ? <span className="rules">{describeRunRules(r.result.config)}</span> : null}
                </th>
                <td>{r.status}</td>
                <td>{formatSteps(r.result?.timesteps ?? last?.timesteps ?? 0)}</td>
                <td>{last ? last.stepsPerSecond.toFixed(0) : '—'}</td>
                <td>{selectionText(r)}</td>
                {COLUMNS.map((c) => (
                  <td key={`v-${c.key}`}>{formatNumber(validation?.[c.key] ?? null, c.key === 'trades' ? 0 : 2)}</td>
                ))}
                {COLUMNS.map((c) => (
                  <td key={`t-${c.key}`}>{formatNumber(test?.[c.key] ?? null, c.key === 'trades' ? 0 : 2)}</td>
                ))}
                <VerdictCell run={r} />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const t = SIGNIFICANCE_THRESHOLDS;
const VERDICT_RULE =
  `Skill or luck on the test split. Significant means all three: timing p < ${t.timingP}, DSR > ${t.dsr} and PSR vs buy & hold > ${t.psrVsBuyHold}. ` +
  'DSR counts as trials the checkpoints compared in selection plus, for Train all three, the 3 runs compared.';

function VerdictCell({ run }: { run: RunState }) {
  const v = run.verdict;
  const text = !v ? '—' : v.state === 'pending' ? 'judging…' : v.state === 'failed' ? 'n/a' : v.value.text;
  const title = !v
    ? 'Computed when the run finishes.'
    : v.state === 'failed'
      ? v.message
      : v.state === 'done'
        ? `${v.value.trialsSource}. ${VERDICT_RULE}`
        : VERDICT_RULE;
  const significant = v?.state === 'done' ? v.value.significant : null;
  return (
    <td
      className={`verdict-cell${significant === true ? ' pos' : ''}`}
      title={title}
      data-testid="compare-verdict"
      data-state={v?.state ?? 'none'}
    >
      {text}
    </td>
  );
}

function selectionText(r: RunState): string {
  if (!r.result) return '—';
  const s = r.result.selection;
  if (!s) return 'none qualified: last weights';
  return `update ${s.update} of ${r.result.updates}, ${s.basis} ${formatNumber(s.score, 2)} (${s.evaluations} compared)`;
}

/** The split dates the runs share; a mismatch would make the comparison unfair, so it is said. */
function caption(runs: RunState[]): string {
  const spans = runs.map((r) => r.result?.splits).filter((s) => s != null);
  const base = 'Variants on the same data and seed: validation (selected checkpoint) and test';
  if (spans.length === 0) return `${base}.`;
  const key = (s: (typeof spans)[number]) => JSON.stringify(s);
  if (spans.some((s) => key(s) !== key(spans[0]))) return `${base}. Warning: the runs used different splits; compare with care.`;
  const day = (ms: number) =>
    new Date(ms)
      .toISOString()
      .slice(0, 16)
      .replace('T', ' ')
      .replace(/ 00:00$/, '');
  const s = spans[0];
  return `${base}, same splits: train ${day(s.train.firstTime)} → ${day(s.train.lastTime)}, validation ${day(s.validation.firstTime)} → ${day(s.validation.lastTime)}, test ${day(s.test.firstTime)} → ${day(s.test.lastTime)}.`;
}
