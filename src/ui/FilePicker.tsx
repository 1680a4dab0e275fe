import { useId } from 'react';

interface Props {
  /** The button's text. */
  label: string;
  accept: string;
  testId?: string;
  disabled?: boolean;
  secondary?: boolean;
  onFile(file: File): void;
}

/**
 * A file input styled as a button: the input is visually hidden but keeps its tab stop, and sits
 * right before its label so `.file-picker input:focus-visible + label` draws the focus ring on the
 * label the user sees.
 */
export function FilePicker({ label, accept, testId, disabled, secondary, onFile }: Props) {
  const id = useId();
  return (
    <span className="file-picker">
      <input
        id={id}
        className="visually-hidden"
        type="file"
        accept={accept}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => {
          const file = e.target.files?.[0];
          // Cleared so that choosing the same file again is a change too.
          e.target.value = '';
          if (file) onFile(file);
        }}
      />
      <label htmlFor={id} className={`button${secondary ? ' secondary' : ''}${disabled ? ' disabled' : ''}`} aria-disabled={disabled}>
        {label}
      </label>
    </span>
  );
}

export const CSV_ACCEPT = '.csv,.txt,.tsv,text/csv,text/plain';
export const JSON_ACCEPT = '.json,application/json';
