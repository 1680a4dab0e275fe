import { useLabStore } from '../store/labStore';
import { useTrainingStore } from '../store/trainingStore';
import { useConfigStore } from '../store/configStore';

const TITLES: Record<string, string> = {
  ImportError: 'This file could not be imported',
  SplitError: 'The data is too short for training',
  ConfigError: 'A setting is out of range',
  BundleError: 'The model cannot be used here',
  Busy: 'Busy',
  TrainingError: 'Training stopped',
  UsageError: 'Not yet',
  WorkerCrash: 'The training worker stopped',
  LibraryError: 'Model library',
  InternalError: 'Something went wrong',
};

export function ErrorBanner() {
  const error = useLabStore((s) => s.error);
  const dismiss = useLabStore((s) => s.dismissError);
  const restart = useLabStore((s) => s.restart);
  if (!error) return null;
  const where = [error.fileName, error.row !== undefined ? `line ${error.row}` : null, error.column ? `column "${error.column}"` : null]
    .filter(Boolean)
    .join(', ');
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <div>
        <strong>{TITLES[error.kind] ?? 'Error'}</strong>
        {where ? <span className="error-where"> ({where})</span> : null}
        <p>{error.message}</p>
      </div>
      <div className="actions">
        {error.kind === 'WorkerCrash' ? (
          <button
            type="button"
            onClick={() => void restart().then(() => useTrainingStore.getState().startBackend(useConfigStore.getState().backend))}
            data-testid="worker-restart"
          >
            Restart worker
          </button>
        ) : null}
        <button type="button" onClick={dismiss} aria-label="Dismiss error">
          Dismiss
        </button>
      </div>
    </div>
  );
}
