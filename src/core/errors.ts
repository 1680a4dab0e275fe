/**
 * An error the user caused and can fix, as a plain value that crosses a worker boundary intact
 * (class instances lose their fields on structured clone).
 */
export interface UserError {
  /** Which kind of error: 'ImportError', 'AlignError', 'SplitError', 'FeatureError', 'ConfigError', 'BundleError', 'TrainingError'. */
  kind: string;
  /** Machine-readable code when the error has one, e.g. 'no-price-column'. */
  code?: string;
  /** The problem and what to do, in one or two sentences. */
  message: string;
  /** The remedy alone, when the error carries one separately. */
  hint?: string;
  fileName?: string;
  row?: number;
  column?: string;
  field?: string;
}

const USER_ERROR_NAMES = new Set([
  'ImportError',
  'AlignError',
  'SplitError',
  'FeatureError',
  'ConfigError',
  'BundleError',
  'TrainingError',
  'UsageError',
  'LibraryError',
  'RunRecordError',
]);

/** The user-facing form of an input error; null for anything else (a bug, which must surface as one). */
export function toUserError(error: unknown): UserError | null {
  if (!(error instanceof Error) || !USER_ERROR_NAMES.has(error.name)) return null;
  const fields = error as Error & Partial<Record<'code' | 'hint' | 'fileName' | 'column' | 'field', unknown>> & { row?: unknown };
  const out: UserError = { kind: error.name, message: error.message };
  if (typeof fields.code === 'string') out.code = fields.code;
  if (typeof fields.hint === 'string') out.hint = fields.hint;
  if (typeof fields.fileName === 'string') out.fileName = fields.fileName;
  if (typeof fields.row === 'number') out.row = fields.row;
  if (typeof fields.column === 'string') out.column = fields.column;
  if (typeof fields.field === 'string') out.field = fields.field;
  return out;
}

/** A call made in the wrong state or with missing input (no data loaded yet…); the message says what to do. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A value-or-error result for calls whose failure the user should see, not a thrown exception. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: UserError };
