/**
 * Several imported assets on one clock (issue #18). The union of the assets' timestamps is built by
 * merging sorted columns; then each asset is swept along it with one cursor, in typed arrays, to mark the
 * timestamps it blocks and to copy, fill or count its bars. Nothing is allocated per bar.
 *
 * The rules, in docs/ENVIRONMENT.md ("Portfolio data"): the common range runs from the latest first bar
 * to the earliest last bar. 'inner' keeps the timestamps of the range that every asset has.
 * 'forward-fill' keeps every timestamp of the range (the union) at which each asset either has a bar or
 * has missed at most `maxFillBars` timestamps in a row since its last one; the missing bar repeats that
 * last close. An asset is never filled from a later bar: that would look ahead.
 */
import type { Bars } from './bars';
import { AlignError } from './errors';
import { describeInterval, medianSpacing } from './series';
import type { AlignedMarket, AlignmentReport, AlignOptions, AssetAlignment, AssetInput, JoinKind } from '../portfolio/types';

export const DEFAULT_ALIGN_OPTIONS: AlignOptions = { join: 'inner', maxFillBars: 0 };

export const ALIGN_LIMITS = {
  minAssets: 2,
  /**
   * The observation holds a window of every asset: 50 assets × 60 bars × 16 features is already 48,000
   * inputs, fifty times the single-asset network's first layer.
   */
  maxAssets: 50,
  maxFillBars: 100,
  /** Largest ratio of two assets' median bar spacings that is still one bar size (months run 28–31 days). */
  intervalRatio: 1.5,
  /** Warn when an asset loses more than this share of its bars. */
  dropWarningShare: 0.2,
  /** Warn when the common range spans less than this share of the longest file. */
  rangeWarningShare: 0.6,
  /** Warn when more than this share of an asset's aligned bars are filled. */
  fillWarningShare: 0.1,
} as const;

const JOIN_KINDS: readonly JoinKind[] = ['inner', 'forward-fill'];

/**
 * Asset names from file names: the folder and the extension stripped, repeats made unique as
 * "X", "X (2)", "X (3)" (compared ignoring case, so "eurusd" and "EURUSD" are told apart too).
 */
export function uniqueAssetNames(fileNames: readonly string[]): string[] {
  const taken = new Set<string>();
  return fileNames.map((fileName) => {
    const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
    const stem = base.replace(/\.[A-Za-z][A-Za-z0-9]{0,4}$/, '').trim() || 'asset';
    let name = stem;
    for (let copy = 2; taken.has(name.toLowerCase()); copy++) name = `${stem} (${copy})`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Aligns imported assets on their common timestamps; refuses inputs that cannot make one portfolio. */
export function alignAssets(
  inputs: AssetInput[],
  options: AlignOptions = DEFAULT_ALIGN_OPTIONS,
): { market: AlignedMarket; report: AlignmentReport } {
  checkOptions(options);
  checkAssets(inputs);
  checkIntervals(inputs);
  checkDistinctFiles(inputs);
  const range = commonRange(inputs);
  const maxFill = options.join === 'inner' ? 0 : options.maxFillBars;
  const series = inputs.map((a) => a.bars);

  const aligned = alignOnClock(series, range, maxFill);
  if (!aligned) throw noCommonTimestamps(inputs, range, maxFill);
  const { columns, tally } = aligned;

  const market: AlignedMarket = {
    assets: inputs.map((a) => a.name),
    time: columns.time,
    bars: series.map((_, a) => ({
      time: columns.time,
      open: columns.open[a],
      high: columns.high[a],
      low: columns.low[a],
      close: columns.close[a],
      volume: columns.volume[a],
    })),
    filled: columns.filled,
  };
  const report = buildReport(inputs, options.join, maxFill, range, tally, columns.time);
  report.warnings.push(...twinWarnings(market));
  return { market, report };
}

function checkOptions(options: AlignOptions): void {
  if (!JOIN_KINDS.includes(options.join)) {
    throw new AlignError('invalid-options', `The join "${String(options.join)}" is not one of ${JOIN_KINDS.join(', ')}.`, {
      hint: 'Choose "inner" (common timestamps only) or "forward-fill".',
      field: 'join',
    });
  }
  const m = options.maxFillBars;
  if (!Number.isInteger(m) || m < 0 || m > ALIGN_LIMITS.maxFillBars) {
    throw new AlignError(
      'invalid-options',
      `maxFillBars is ${String(m)}; it must be a whole number of bars from 0 to ${ALIGN_LIMITS.maxFillBars}.`,
      {
        hint: 'Set maxFillBars to the longest run of missing bars an asset may have filled with its last close.',
        field: 'maxFillBars',
      },
    );
  }
}

function checkAssets(inputs: AssetInput[]): void {
  if (inputs.length < ALIGN_LIMITS.minAssets) {
    throw new AlignError(
      'too-few-assets',
      `A portfolio needs at least two assets; ${inputs.length === 0 ? 'no file was' : `only ${inputs[0].report.fileName} was`} given.`,
      { hint: 'Add another CSV.', assets: inputs.map((a) => a.name) },
    );
  }
  if (inputs.length > ALIGN_LIMITS.maxAssets) {
    throw new AlignError(
      'too-many-assets',
      `${inputs.length} files were given; a portfolio takes at most ${ALIGN_LIMITS.maxAssets} assets, because the observation holds a ` +
        `window of every asset (${ALIGN_LIMITS.maxAssets} assets × 60 bars × 16 features is already 48,000 inputs).`,
      { hint: `Pick the ${ALIGN_LIMITS.maxAssets} or fewer assets you want to trade.` },
    );
  }
  const seen = new Map<string, AssetInput>();
  for (const asset of inputs) {
    const key = asset.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier) {
      throw new AlignError(
        'duplicate-name',
        `${earlier.report.fileName} and ${asset.report.fileName} are both named "${asset.name}"; every asset of a portfolio needs its own name.`,
        {
          hint: 'Rename one of the files.',
          fileName: asset.report.fileName,
          assets: [earlier.name, asset.name],
        },
      );
    }
    seen.set(key, asset);
    const time = asset.bars.time;
    if (time.length < 2) {
      throw new AlignError(
        'too-few-bars',
        `${asset.report.fileName} has ${time.length} bar(s); an asset needs at least two to have a bar size.`,
        {
          hint: 'Pick a longer file for this asset.',
          fileName: asset.report.fileName,
          assets: [asset.name],
        },
      );
    }
    for (let i = 1; i < time.length; i++) {
      // The importer sorts and de-duplicates; anything else is a caller's bug, not the user's.
      if (!(time[i] > time[i - 1]))
        throw new Error(`alignAssets: the times of "${asset.name}" do not rise at bar ${i}; pass bars as importCsv returns them.`);
    }
  }
}

/** "1 hour" → "1-hour", "5 minutes" → "5-minute", as in "1-hour bars". */
function barSize(intervalLabel: string): string {
  const match = /^(\d+) ([a-z]+?)s?$/.exec(intervalLabel);
  return match ? `${match[1]}-${match[2]}` : intervalLabel;
}

function checkIntervals(inputs: AssetInput[]): void {
  let finest = 0;
  let coarsest = 0;
  inputs.forEach((asset, a) => {
    if (asset.report.intervalMs < inputs[finest].report.intervalMs) finest = a;
    if (asset.report.intervalMs > inputs[coarsest].report.intervalMs) coarsest = a;
  });
  if (inputs[coarsest].report.intervalMs <= ALIGN_LIMITS.intervalRatio * inputs[finest].report.intervalMs) return;
  const [first, second] = [inputs[Math.min(finest, coarsest)], inputs[Math.max(finest, coarsest)]];
  throw new AlignError(
    'mismatched-intervals',
    `${first.report.fileName} has ${barSize(first.report.intervalLabel)} bars but ${second.report.fileName} has ` +
      `${barSize(second.report.intervalLabel)} bars; a portfolio needs one bar size.`,
    {
      hint: 'Resample one of them or pick files of the same interval.',
      fileName: second.report.fileName,
      assets: [first.name, second.name],
    },
  );
}

/** The same file added twice: equal timestamps and equal closes throughout. */
function checkDistinctFiles(inputs: AssetInput[]): void {
  for (let a = 0; a < inputs.length; a++) {
    for (let b = a + 1; b < inputs.length; b++) {
      const x = inputs[a].bars;
      const y = inputs[b].bars;
      const n = x.time.length;
      if (y.time.length !== n || x.time[0] !== y.time[0] || x.time[n - 1] !== y.time[n - 1]) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) same = x.close[i] === y.close[i] && x.time[i] === y.time[i];
      if (!same) continue;
      const [x1, x2] = [inputs[a], inputs[b]];
      const bars = `the same ${n.toLocaleString('en-US')} timestamps and closes`;
      throw new AlignError(
        'duplicate-file',
        x1.report.fileName === x2.report.fileName
          ? `${x1.report.fileName} was added twice (as "${x1.name}" and "${x2.name}"): both hold ${bars}.`
          : `${x1.report.fileName} and ${x2.report.fileName} hold the same bars (${bars}): one file was added twice.`,
        {
          hint: 'Remove one of them; a portfolio needs different assets.',
          fileName: inputs[b].report.fileName,
          assets: [inputs[a].name, inputs[b].name],
        },
      );
    }
  }
}

interface CommonRange {
  start: number;
  end: number;
  /** The asset whose first bar starts the range, and the one whose last bar ends it. */
  startAsset: number;
  endAsset: number;
}

function commonRange(inputs: AssetInput[]): CommonRange {
  let startAsset = 0;
  let endAsset = 0;
  inputs.forEach((asset, a) => {
    const time = asset.bars.time;
    if (time[0] > inputs[startAsset].bars.time[0]) startAsset = a;
    if (time[time.length - 1] < lastTime(inputs[endAsset].bars)) endAsset = a;
  });
  const start = inputs[startAsset].bars.time[0];
  const end = lastTime(inputs[endAsset].bars);
  if (start > end) {
    const early = inputs[endAsset];
    const late = inputs[startAsset];
    throw new AlignError(
      'no-overlap',
      `${early.report.fileName} ends on ${formatTime(end)}, before ${late.report.fileName} starts (${formatTime(start)}): ` +
        'their ranges do not overlap, so the portfolio has no common bars.',
      { hint: 'Pick files that cover a shared period.', fileName: late.report.fileName, assets: [early.name, late.name] },
    );
  }
  return { start, end, startAsset, endAsset };
}

function lastTime(bars: Bars): number {
  return bars.time[bars.time.length - 1];
}

/** "2013-03-01" for a midnight, "2017-01-01 22:00" otherwise (UTC). */
function formatTime(t: number): string {
  const iso = new Date(t).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
}

/** Where every bar went, per asset. */
interface AlignTally {
  /** Bars before the common range, per asset. */
  before: Int32Array;
  after: Int32Array;
  /** [asset × n + other]: bars of `asset` dropped because `other` had no bar there (or none for more than maxFillBars). */
  droppedFor: Int32Array;
  filled: Int32Array;
  /** Timestamps inside the common range that were dropped, and per asset how many of them it had no bar at. */
  droppedTimes: number;
  absentAtDropped: Int32Array;
}

/** The aligned output: one column per asset and field, all of the kept length. */
interface AlignedColumns {
  time: Float64Array;
  open: Float64Array[];
  high: Float64Array[];
  low: Float64Array[];
  close: Float64Array[];
  volume: (Float64Array | null)[];
  filled: Uint8Array[];
}

function allocateColumns(series: readonly Bars[], kept: number): AlignedColumns {
  const columns = () => series.map(() => new Float64Array(kept));
  return {
    time: new Float64Array(kept),
    open: columns(),
    high: columns(),
    low: columns(),
    close: columns(),
    volume: series.map((bars) => (bars.volume ? new Float64Array(kept) : null)),
    filled: series.map(() => new Uint8Array(kept)),
  };
}

/** Marks a timestamp of the clock that no asset blocks (assets are at most 50, so 255 is no asset). */
const KEPT = 255;

/**
 * The merge, in three sweeps over the shared clock (each a tight loop over one asset's bars):
 * 1. the clock: the union of every asset's timestamps up to the end of the common range;
 * 2. per asset, the timestamps of the range it blocks: those where it has gone more than `maxFill` clock
 *    steps without a bar (maxFill 0: where it has none, the inner join); the first asset to block one
 *    is its reason;
 * 3. per asset, its kept bars copied or filled into the output, its dropped ones counted.
 */
function alignOnClock(series: readonly Bars[], range: CommonRange, maxFill: number): { columns: AlignedColumns; tally: AlignTally } | null {
  const n = series.length;
  // Clock steps before every asset's last bar at or before the start cannot be part of a fill.
  let from = range.start;
  for (const bars of series) from = Math.min(from, bars.time[firstAfter(bars.time, range.start) - 1]);
  const clock = unionOfTimes(series.map((bars) => bars.time.subarray(firstAtOrAfter(bars.time, from), firstAfter(bars.time, range.end))));
  const startStep = firstAtOrAfter(clock, range.start);
  const blockedBy = markBlockedSteps(series, clock, startStep, maxFill);
  let kept = 0;
  for (let u = startStep; u < clock.length; u++) if (blockedBy[u] === KEPT) kept++;
  if (kept === 0) return null;

  const columns = allocateColumns(series, kept);
  for (let u = startStep, k = 0; u < clock.length; u++) if (blockedBy[u] === KEPT) columns.time[k++] = clock[u];
  const tally: AlignTally = {
    before: new Int32Array(n),
    after: new Int32Array(n),
    droppedFor: new Int32Array(n * n),
    filled: new Int32Array(n),
    droppedTimes: clock.length - startStep - kept,
    absentAtDropped: new Int32Array(n),
  };
  series.forEach((bars, a) => alignAsset(bars, a, n, clock, startStep, blockedBy, columns, tally));
  return { columns, tally };
}

/** The sorted union of sorted time columns, by a balanced tree of two-way merges: O(bars × log assets). */
function unionOfTimes(parts: Float64Array[]): Float64Array {
  while (parts.length > 1) {
    const merged: Float64Array[] = [];
    for (let p = 0; p < parts.length; p += 2) merged.push(p + 1 < parts.length ? mergeTimes(parts[p], parts[p + 1]) : parts[p]);
    parts = merged;
  }
  return parts[0];
}

function mergeTimes(x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(x.length + y.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < x.length && j < y.length) {
    const tx = x[i];
    const ty = y[j];
    if (tx <= ty) {
      out[k++] = tx;
      i++;
      if (tx === ty) j++;
    } else {
      out[k++] = ty;
      j++;
    }
  }
  while (i < x.length) out[k++] = x[i++];
  while (j < y.length) out[k++] = y[j++];
  return out.subarray(0, k);
}

/** Per clock step from `startStep`: the first asset that has missed more than `maxFill` steps there, or KEPT. */
function markBlockedSteps(series: readonly Bars[], clock: Float64Array, startStep: number, maxFill: number): Uint8Array {
  const blockedBy = new Uint8Array(clock.length).fill(KEPT);
  series.forEach(({ time }, a) => {
    const length = time.length;
    let j = firstAtOrAfter(time, clock[0]);
    // Steps since the asset's last bar; -1 before its first (it cannot block those: they precede the range).
    let missed = j > 0 ? 0 : -1;
    for (let u = 0; u < clock.length; u++) {
      if (j < length && time[j] === clock[u]) {
        missed = 0;
        j++;
      } else if (missed >= 0) {
        missed++;
        if (missed > maxFill && u >= startStep && blockedBy[u] === KEPT) blockedBy[u] = a;
      }
    }
  });
  return blockedBy;
}

/** Copies asset a's bars at the kept steps (or fills them from its last bar), and counts the rest. */
function alignAsset(
  bars: Bars,
  a: number,
  n: number,
  clock: Float64Array,
  startStep: number,
  blockedBy: Uint8Array,
  out: AlignedColumns,
  tally: AlignTally,
): void {
  const { time, open, high, low, close, volume } = bars;
  const [outOpen, outHigh, outLow, outClose, outVolume, outFilled] = [
    out.open[a],
    out.high[a],
    out.low[a],
    out.close[a],
    out.volume[a],
    out.filled[a],
  ];
  const length = time.length;
  let j = firstAtOrAfter(time, clock[startStep]);
  tally.before[a] = j;
  // The asset's bar before the range, if any: t ≥ start ≥ its first bar, so a missing bar always has one to repeat.
  let last = j - 1;
  let k = 0;
  for (let u = startStep; u < clock.length; u++) {
    const present = j < length && time[j] === clock[u];
    const blocker = blockedBy[u];
    if (blocker === KEPT) {
      if (present) {
        outOpen[k] = open[j];
        outHigh[k] = high[j];
        outLow[k] = low[j];
        outClose[k] = close[j];
        if (outVolume) outVolume[k] = volume![j];
      } else {
        // No trade: flat at the last close; the volume stays 0 (the columns start zeroed).
        const c = close[last];
        outOpen[k] = c;
        outHigh[k] = c;
        outLow[k] = c;
        outClose[k] = c;
        outFilled[k] = 1;
        tally.filled[a]++;
      }
      k++;
    } else if (present) tally.droppedFor[a * n + blocker]++;
    else tally.absentAtDropped[a]++;
    if (present) last = j++;
  }
  tally.after[a] = length - j;
}

/** Zero bars kept although the ranges overlap: two files stamp their bars differently (or a gap is too long to fill). */
function noCommonTimestamps(inputs: AssetInput[], range: CommonRange, maxFill: number): AlignError {
  const within = `between ${formatTime(range.start)} and ${formatTime(range.end)}`;
  for (let a = 0; a < inputs.length; a++) {
    for (let b = a + 1; b < inputs.length; b++) {
      const x = inputs[a].bars.time;
      const y = inputs[b].bars.time;
      const i0 = firstAtOrAfter(x, range.start);
      const j0 = firstAtOrAfter(y, range.start);
      if (sharesTimestamp(x, y, i0, j0, range.end)) continue;
      return new AlignError(
        'no-common-timestamps',
        `${inputs[a].report.fileName} and ${inputs[b].report.fileName} have no timestamp in common ${within} ` +
          `(their first bars there: ${formatTime(x[i0])} and ${formatTime(y[j0])}): the files stamp their bars differently.`,
        {
          hint: "Shift one file's timestamps to the other's time zone or bar convention (bar open or bar close), or pick files from the same source.",
          fileName: inputs[b].report.fileName,
          assets: [inputs[a].name, inputs[b].name],
        },
      );
    }
  }
  return new AlignError(
    'no-common-timestamps',
    `No timestamp ${within} is shared by all ${inputs.length} files` +
      (maxFill > 0 ? ` within ${maxFill} filled bar(s).` : ', though every two of them share some.'),
    {
      hint: 'Check that the files stamp their bars the same way (time zone, bar open or close), or use forward-fill with a larger maxFillBars.',
      assets: inputs.map((a) => a.name),
    },
  );
}

/** Index of the first time ≥ t (binary search; the length when there is none). */
function firstAtOrAfter(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > t. */
function firstAfter(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sharesTimestamp(x: Float64Array, y: Float64Array, i: number, j: number, end: number): boolean {
  while (i < x.length && j < y.length && x[i] <= end && y[j] <= end) {
    if (x[i] === y[j]) return true;
    if (x[i] < y[j]) i++;
    else j++;
  }
  return false;
}

function dropReason(other: string, maxFill: number): string {
  return maxFill === 0 ? `no matching bar in ${other}` : `gap in ${other} longer than ${maxFill} bar${maxFill === 1 ? '' : 's'}`;
}

function buildReport(
  inputs: AssetInput[],
  join: JoinKind,
  maxFill: number,
  range: CommonRange,
  tally: AlignTally,
  time: Float64Array,
): AlignmentReport {
  const n = inputs.length;
  const names = inputs.map((a) => a.name);
  const assets: AssetAlignment[] = inputs.map((asset, a) => {
    const dropped: AssetAlignment['dropped'] = [];
    if (tally.before[a] > 0) dropped.push({ reason: 'before the common range', count: tally.before[a] });
    for (let o = 0; o < n; o++) {
      const count = tally.droppedFor[a * n + o];
      if (count > 0) dropped.push({ reason: dropReason(names[o], maxFill), count });
    }
    if (tally.after[a] > 0) dropped.push({ reason: 'after the common range', count: tally.after[a] });
    return { name: asset.name, rows: asset.bars.time.length, dropped, filled: tally.filled[a] };
  });
  const kept = time.length;
  let intervalMs = kept >= 2 ? medianSpacing(time) : Infinity;
  if (kept < 2) for (const asset of inputs) intervalMs = Math.min(intervalMs, asset.report.intervalMs);
  const report: AlignmentReport = {
    join,
    maxFillBars: maxFill,
    bars: kept,
    firstTime: time[0],
    lastTime: time[kept - 1],
    intervalLabel: describeInterval(intervalMs),
    intervalMs,
    assets,
    warnings: [],
  };
  report.warnings = alignmentWarnings(inputs, report, range, tally);
  return report;
}

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)} %`;
}

function alignmentWarnings(inputs: AssetInput[], report: AlignmentReport, range: CommonRange, tally: AlignTally): string[] {
  const warnings: string[] = [];
  const count = (x: number) => x.toLocaleString('en-US');

  let longest = 0;
  const span = (a: number) => lastTime(inputs[a].bars) - inputs[a].bars.time[0];
  for (let a = 1; a < inputs.length; a++) if (span(a) > span(longest)) longest = a;
  const common = report.lastTime - report.firstTime;
  if (common < ALIGN_LIMITS.rangeWarningShare * span(longest)) {
    const file = (a: number) => inputs[a].report.fileName;
    warnings.push(
      `The common range ${formatTime(report.firstTime)} … ${formatTime(report.lastTime)} spans ${percent(common, span(longest))} of the ` +
        `longest file (${file(longest)}); it starts with ${file(range.startAsset)}'s first bar and ends with ${file(range.endAsset)}'s last. ` +
        'Bars outside it are not used.',
    );
  }

  report.assets.forEach((asset, a) => {
    const dropped = asset.dropped.reduce((sum, d) => sum + d.count, 0);
    if (dropped > ALIGN_LIMITS.dropWarningShare * asset.rows) {
      const top = asset.dropped.reduce((best, d) => (d.count > best.count ? d : best));
      warnings.push(
        `${inputs[a].report.fileName}: ${count(dropped)} of its ${count(asset.rows)} bars (${percent(dropped, asset.rows)}) are left out ` +
          `(most: ${top.reason}).`,
      );
    }
    if (asset.filled > ALIGN_LIMITS.fillWarningShare * report.bars) {
      warnings.push(
        `${inputs[a].report.fileName}: ${percent(asset.filled, report.bars)} of its aligned bars are filled with its last close ` +
          '(no trade, a return of 0 there).',
      );
    }
  });

  // One asset missing most of the timestamps the others have (a holiday calendar, a thinner market).
  if (tally.droppedTimes > 0.02 * report.bars) {
    inputs.forEach((asset, a) => {
      const absent = tally.absentAtDropped[a];
      if (absent < 0.5 * tally.droppedTimes) return;
      const remedy =
        report.join === 'inner'
          ? 'forward-fill (maxFillBars of 1 or more) would keep them with its last close'
          : 'a larger maxFillBars would keep more';
      warnings.push(
        `${asset.report.fileName} has no bar at ${count(absent)} of the ${count(tally.droppedTimes)} timestamps dropped inside the ` +
          `common range; ${remedy}.`,
      );
    });
  }

  const finest = Math.min(...inputs.map((a) => a.report.intervalMs));
  if (report.intervalMs < finest / ALIGN_LIMITS.intervalRatio) {
    warnings.push(
      `The aligned bars are ${report.intervalLabel} apart while the files have ${barSize(describeInterval(finest))} bars: their ` +
        'timestamps interleave (another time zone or bar convention?) and forward-fill kept both clocks.',
    );
  }
  return warnings;
}

/**
 * Two assets whose aligned closes are the same bar for bar (one company's two listings, the same
 * file under two names): the portfolio holds one asset twice, and the agent's weights split it
 * arbitrarily. Said, not refused: the files differ outside the common range.
 */
function twinWarnings(market: AlignedMarket): string[] {
  const out: string[] = [];
  const closes = market.bars.map((b) => b.close);
  for (let a = 0; a < closes.length; a++) {
    for (let b = a + 1; b < closes.length; b++) {
      let same = true;
      for (let t = 0; t < closes[a].length && same; t++) same = closes[a][t] === closes[b][t];
      if (same) {
        out.push(
          `${market.assets[a]} and ${market.assets[b]} have the same close on every common bar: they are one asset twice. Drop one of them.`,
        );
      }
    }
  }
  return out;
}
