import type { Bars } from '../data/bars';
import type { ImportReport } from '../data';
import type { BarRange } from '../features';
import { evaluateModel } from '../workflow/evaluate';
import type { WalkForwardResult } from '../workflow/walkForward';
import { renderReportHtml, type WalkForwardInput } from './html';

/** The report's walk-forward section: every fold's ranges and test metrics, and the stitched curve. */
export function walkForwardReportInput(result: WalkForwardResult, bars: Bars): WalkForwardInput | null {
  if (!result.stitched) return null;
  const range = (r: BarRange) => ({ firstTime: bars.time[r.start], lastTime: bars.time[r.end - 1], bars: r.end - r.start });
  return {
    folds: result.folds.map((o) => ({
      index: o.fold.index,
      train: range(o.fold.train),
      validation: range(o.fold.validation.end > o.fold.validation.start ? o.fold.validation : o.fold.train),
      test: range(o.fold.test),
      metrics: o.test.metrics,
    })),
    stitched: { time: result.stitched.curve.time, equity: result.stitched.curve.equity, metrics: result.stitched.metrics },
  };
}

/**
 * The one-file HTML report of a walk-forward, or null when no fold finished. Its model section is the
 * last fold's model on its own test slice (the bundle's splits are that fold's); the walk-forward
 * section holds every fold and the stitched out-of-sample curve with its metrics.
 */
export async function renderWalkForwardReport(
  result: WalkForwardResult,
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'fileName'>,
  generatedAt?: string,
): Promise<string | null> {
  const last = result.folds[result.folds.length - 1];
  const walkForward = walkForwardReportInput(result, bars);
  if (!last || !walkForward) return null;
  const evaluation = await evaluateModel(last.bundle, bars, report, { split: 'test' });
  return renderReportHtml({ evaluation, walkForward, ...(generatedAt ? { generatedAt } : {}) });
}
