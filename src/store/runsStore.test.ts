import { describe, expect, it } from 'vitest';
import { differingCells, runCellValue, visibleRuns } from './runsStore';
import type { RunRow } from '../api/labClient';

function row(id: string, lr: number, sharpe: number | null, over: Partial<RunRow> = {}): RunRow {
  return {
    id,
    name: `run ${id}`,
    createdAt: `2026-01-0${id.length}T00:00:00Z`,
    source: 'app',
    config: { variant: 'maskable', ppo: { learningRate: lr } },
    data: { fileName: 'a.csv' },
    timesteps: 100,
    backend: 'cpu',
    final: { validation: sharpe === null ? null : { sharpe, totalReturn: 1 }, test: null },
    stopReason: 'timesteps',
    ...over,
  } as unknown as RunRow;
}

describe('runs table', () => {
  const rows = [row('a', 0.001, 1), row('bb', 0.01, null), row('ccc', 0.0001, 2, { source: 'sweep' })];

  it('sorts by any column, empty cells last, and by a hyperparameter path', () => {
    expect(visibleRuns(rows, '', { key: 'valSharpe', descending: true }, []).map((r) => r.id)).toEqual(['ccc', 'a', 'bb']);
    expect(visibleRuns(rows, '', { key: 'valSharpe', descending: false }, []).map((r) => r.id)).toEqual(['a', 'ccc', 'bb']);
    expect(visibleRuns(rows, '', { key: 'ppo.learningRate', descending: false }, []).map((r) => r.id)).toEqual(['ccc', 'a', 'bb']);
  });

  it('filters by every word over the shown text, the source and the chosen columns', () => {
    expect(visibleRuns(rows, 'sweep', { key: 'date', descending: true }, []).map((r) => r.id)).toEqual(['ccc']);
    expect(visibleRuns(rows, 'run 0.01', { key: 'date', descending: true }, ['ppo.learningRate']).map((r) => r.id)).toEqual(['bb']);
  });

  it('marks the cells that differ from the reference run', () => {
    expect([...differingCells(rows[1], rows[0], ['variant', 'ppo.learningRate'])]).toEqual(['ppo.learningRate']);
    expect(differingCells(rows[0], rows[0], ['ppo.learningRate']).size).toBe(0);
    expect(runCellValue(rows[0], 'ppo')).toBe('{"learningRate":0.001}');
  });
});
