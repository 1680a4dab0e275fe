export type ImportErrorCode =
  | 'empty-file'
  | 'header-only'
  | 'binary-file'
  | 'no-price-column'
  | 'no-time-column'
  | 'all-rows-invalid'
  | 'ragged-rows'
  | 'too-few-rows'
  | 'too-large'
  | 'line-too-long'
  | 'parse-error';

/** Characters of a line or cell that a message quotes; a 50 MB line must not become a 50 MB banner. */
export const QUOTE_CHARS = 200;

/** The text as quoted in messages: at most QUOTE_CHARS characters, saying how many were left out. */
export function clip(text: string): string {
  if (text.length <= QUOTE_CHARS) return text;
  return `${text.slice(0, QUOTE_CHARS)}… (${(text.length - QUOTE_CHARS).toLocaleString('en-US')} more characters)`;
}

export interface ImportErrorDetails {
  /** What the user can do about it, in one sentence. */
  hint: string;
  fileName?: string;
  /** 1-based file line number. */
  row?: number;
  column?: string;
}

/**
 * A problem with the input file the user can act on. The message states the problem and what to do;
 * `hint` repeats the remedy alone for UIs that show it separately.
 */
export class ImportError extends Error {
  readonly code: ImportErrorCode;
  readonly hint: string;
  readonly fileName?: string;
  readonly row?: number;
  readonly column?: string;

  constructor(code: ImportErrorCode, problem: string, details: ImportErrorDetails) {
    super(`${problem} ${details.hint}`);
    this.name = 'ImportError';
    this.code = code;
    this.hint = details.hint;
    if (details.fileName !== undefined) this.fileName = details.fileName;
    if (details.row !== undefined) this.row = details.row;
    if (details.column !== undefined) this.column = details.column;
  }
}

export type AlignErrorCode =
  | 'too-few-assets'
  | 'too-many-assets'
  | 'duplicate-name'
  | 'duplicate-file'
  | 'too-few-bars'
  | 'mismatched-intervals'
  | 'no-overlap'
  | 'no-common-timestamps'
  | 'invalid-options';

export interface AlignErrorDetails {
  /** What the user can do about it, in one sentence. */
  hint: string;
  /** The file at fault, or the first of the two that disagree. */
  fileName?: string;
  /** Every asset the problem involves, by name. */
  assets?: string[];
  /** The option at fault ('maxFillBars'). */
  field?: string;
}

/**
 * Files that cannot be aligned into one portfolio: too few or too many, the same file twice, bar sizes
 * that differ, ranges that do not overlap. The message names the files and says what to do.
 */
export class AlignError extends Error {
  readonly code: AlignErrorCode;
  readonly hint: string;
  readonly fileName?: string;
  readonly assets?: string[];
  readonly field?: string;

  constructor(code: AlignErrorCode, problem: string, details: AlignErrorDetails) {
    super(`${problem} ${details.hint}`);
    this.name = 'AlignError';
    this.code = code;
    this.hint = details.hint;
    if (details.fileName !== undefined) this.fileName = details.fileName;
    if (details.assets !== undefined) this.assets = details.assets;
    if (details.field !== undefined) this.field = details.field;
  }
}
