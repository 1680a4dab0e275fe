import type { Bars } from '../data/bars';
import type { EnvRange } from '../env/tradingEnv';
import type { Splits } from '../features';
import { hashSeries, type ModelBundle, type SplitSpan } from '../model/bundle';

/** Whether an evaluation touches bars the model trained or was selected on. */
export interface SampleCheck {
  /** True when any evaluated bar was used for training or for checkpoint selection. */
  inSample: boolean;
  /** Evaluated bars inside the training split. */
  trainingBars: number;
  /** Evaluated bars inside the validation split, on which the saved checkpoint was chosen. */
  selectionBars: number;
  /** Evaluated bars in all. */
  bars: number;
  /**
   * How the data was matched to the model's training data: the same closes (hash), only the same
   * file name (a longer or edited copy), or neither (another instrument or period: out of sample as
   * far as the fingerprint can tell).
   */
  match: 'same data' | 'same file name' | 'different data';
  /** One sentence for the user. */
  note: string;
}

/**
 * Counts the evaluated bars [range.start, range.end) that fall in the model's training or validation
 * split. The split spans come from the bundle (saved with it since they existed); for older bundles
 * on the same data they are the splits `currentSplits` recomputes, and on a same-named file without
 * them the whole training file's span counts as used.
 */
export function checkSample(bundle: ModelBundle, bars: Bars, fileName: string, range: EnvRange, currentSplits: Splits | null): SampleCheck {
  const sameData = hashSeries(bars.close) === bundle.data.closeHash;
  const sameName = fileName === bundle.data.fileName;
  const total = Math.max(0, range.end - range.start);
  if (!sameData && !sameName) {
    return {
      inSample: false,
      trainingBars: 0,
      selectionBars: 0,
      bars: total,
      match: 'different data',
      note: `Out of sample: this data differs from the model's training file (${bundle.data.fileName}).`,
    };
  }
  const spans = bundle.data.splits ?? (sameData && currentSplits ? spansOf(bars, currentSplits) : null);
  const train: SplitSpan = spans?.train ?? { firstTime: bundle.data.firstTime, lastTime: bundle.data.lastTime, bars: bundle.data.rows };
  const validation: SplitSpan | null = spans?.validation ?? null;
  let trainingBars = 0;
  let selectionBars = 0;
  for (let t = range.start; t < range.end; t++) {
    const time = bars.time[t];
    if (time >= train.firstTime && time <= train.lastTime) trainingBars++;
    else if (validation && validation.bars > 0 && time >= validation.firstTime && time <= validation.lastTime) selectionBars++;
  }
  const inSample = trainingBars + selectionBars > 0;
  const match = sameData ? 'same data' : 'same file name';
  const note = inSample
    ? `In sample: ${trainingBars} of ${total} bars were used for training and ${selectionBars} for choosing the checkpoint; these figures flatter the model.`
    : `Out of sample: none of these ${total} bars was used for training or checkpoint selection.`;
  return { inSample, trainingBars, selectionBars, bars: total, match, note };
}

function spansOf(bars: Bars, splits: Splits): Record<'train' | 'validation' | 'test', SplitSpan> {
  const span = (r: EnvRange): SplitSpan => ({
    firstTime: bars.time[r.start],
    lastTime: bars.time[Math.max(r.start, r.end - 1)],
    bars: r.end - r.start,
  });
  return { train: span(splits.train), validation: span(splits.validation), test: span(splits.test) };
}
