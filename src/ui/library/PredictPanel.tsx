import { useId, useMemo, useState } from 'react';
import { savedModelRef, type ModelRef } from '../../api/labClient';
import { useLibraryStore } from '../../store/libraryStore';
import { useTrainingStore } from '../../store/trainingStore';
import { CSV_ACCEPT, FilePicker } from '../FilePicker';

export function PredictPanel() {
  const { models, prediction, predicting, predict } = useLibraryStore();
  const allRuns = useTrainingStore((s) => s.runs);
  const choices = useMemo(
    () => [
      ...allRuns.filter((r) => r.result).map((r) => ({ ref: r.result!.runId, label: `${r.result!.name} (this session)` })),
      ...models.filter((m) => m.kind === 'model').map((m) => ({ ref: savedModelRef(m.id), label: m.name })),
    ],
    [allRuns, models],
  );
  const [ref, setRef] = useState<ModelRef | ''>('');
  const [file, setFile] = useState<File | null>(null);
  const ids = { model: useId() };
  const chosen = choices.some((c) => c.ref === ref) ? ref : (choices[0]?.ref ?? '');
  const json = prediction
    ? JSON.stringify({
        prediction: prediction.prediction,
        action_name: prediction.action_name,
        confidence: prediction.confidence,
        value_estimate: prediction.value_estimate,
        position_after: prediction.position_after,
      })
    : '';

  return (
    <section className="panel" aria-labelledby="predict-title">
      <div className="panel-head">
        <h2 id="predict-title">Predict</h2>
        <div className="actions">
          <div className="field inline">
            <label htmlFor={ids.model}>Model</label>
            <select
              id={ids.model}
              value={chosen}
              onChange={(e) => setRef(choices.find((c) => c.ref === e.target.value)?.ref ?? '')}
              disabled={choices.length === 0}
              data-testid="predict-model"
            >
              {choices.length === 0 ? <option value="">No model yet</option> : null}
              {choices.map((c) => (
                <option key={c.ref} value={c.ref}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <FilePicker
            label={file ? `CSV: ${file.name}` : 'Use a CSV…'}
            accept={CSV_ACCEPT}
            secondary
            testId="predict-input"
            onFile={setFile}
          />
          {file ? (
            <button type="button" className="button secondary" onClick={() => setFile(null)}>
              Use the loaded data
            </button>
          ) : null}
          <button
            type="button"
            className="button"
            disabled={!chosen || predicting}
            onClick={() => chosen && void predict(chosen, file)}
            data-testid="predict-run"
          >
            Predict latest bar
          </button>
        </div>
      </div>
      {prediction ? (
        <div className="prediction">
          <p>
            For the bar of {prediction.bar_time.slice(0, 16).replace('T', ' ')} (account {prediction.position}):{' '}
            <strong>{prediction.action_name}</strong> with confidence {(prediction.confidence * 100).toFixed(1)} %, value estimate{' '}
            {prediction.value_estimate.toFixed(4)}. Position after it: {formatExposure(prediction.position_after)}.
          </p>
          {prediction.value_band ? (
            <p data-testid="predict-distribution">
              Predicted return distribution: 5 % {prediction.value_band.p5.toFixed(4)} … 95 % {prediction.value_band.p95.toFixed(4)}
            </p>
          ) : null}
          <ul className="bars" aria-label="Action probabilities">
            {Object.entries(prediction.probabilities).map(([action, p]) => (
              <li key={action}>
                <span className="bar-label">{action}</span>
                <span className="bar-track">
                  <span className="bar-fill" style={{ width: `${(p * 100).toFixed(1)}%` }} />
                </span>
                <span className="bar-value">{(p * 100).toFixed(1)} %</span>
              </li>
            ))}
          </ul>
          <pre data-testid="predict-result">{json}</pre>
          <button
            type="button"
            className="button secondary"
            onClick={() => void navigator.clipboard?.writeText(json)}
            data-testid="predict-copy"
          >
            Copy JSON
          </button>
        </div>
      ) : (
        <p className="empty">The action a model would take on the latest bar, with its confidence.</p>
      )}
    </section>
  );
}

function formatExposure(exposure: number): string {
  if (exposure === 0) return 'flat';
  return `${exposure > 0 ? 'long' : 'short'} ${(Math.abs(exposure) * 100).toFixed(1)} % of equity`;
}
