export type FeatureErrorCode =
  | 'unknown-feature'
  | 'duplicate-feature'
  | 'no-features'
  | 'missing-volume'
  | 'empty-range'
  | 'scaler-mismatch'
  | 'invalid-scaler'
  | 'invalid-regime-rules';

/**
 * A feature list, scaler or range the caller can fix. The message states the problem and the remedy;
 * `hint` repeats the remedy alone, `field` names the offending feature or scaler field when there is one.
 */
export class FeatureError extends Error {
  readonly code: FeatureErrorCode;
  readonly hint: string;
  readonly field?: string;

  constructor(code: FeatureErrorCode, problem: string, hint: string, field?: string) {
    super(`${problem} ${hint}`);
    this.name = 'FeatureError';
    this.code = code;
    this.hint = hint;
    if (field !== undefined) this.field = field;
  }
}

export type SplitName = 'train' | 'validation' | 'test';

export type SplitErrorCode =
  'invalid-arguments' | 'invalid-ratios' | 'no-usable-bars' | 'split-too-short' | 'too-many-folds' | 'purge-too-short';

export interface SplitErrorDetails {
  /** What the user can do about it, in one sentence. */
  hint: string;
  /** The split that is too short (split-too-short only). */
  split?: SplitName;
  /** Bars the split has. */
  bars?: number;
  /** Bars the split needs: lookback + minDecisions. */
  needed?: number;
  /** Largest lookback every split would support, when there is one (≥ 1). */
  suggestedLookback?: number;
  /** Bars in total the file would need for this lookback and these ratios. */
  suggestedRows?: number;
  /** Most walk-forward folds that fit (too-many-folds only; 0 when not even one does). */
  largestFolds?: number;
}

/** The data cannot be cut into train/validation/test ranges that each hold a full observation window. */
export class SplitError extends Error {
  readonly code: SplitErrorCode;
  readonly hint: string;
  readonly split?: SplitName;
  readonly bars?: number;
  readonly needed?: number;
  readonly suggestedLookback?: number;
  readonly suggestedRows?: number;
  readonly largestFolds?: number;

  constructor(code: SplitErrorCode, problem: string, details: SplitErrorDetails) {
    super(`${problem} ${details.hint}`);
    this.name = 'SplitError';
    this.code = code;
    this.hint = details.hint;
    if (details.split !== undefined) this.split = details.split;
    if (details.bars !== undefined) this.bars = details.bars;
    if (details.needed !== undefined) this.needed = details.needed;
    if (details.suggestedLookback !== undefined) this.suggestedLookback = details.suggestedLookback;
    if (details.suggestedRows !== undefined) this.suggestedRows = details.suggestedRows;
    if (details.largestFolds !== undefined) this.largestFolds = details.largestFolds;
  }
}
