import { useEffect, useId, useMemo, useState } from 'react';
import { VARIANT_DESCRIPTIONS, VARIANTS, type TrainingConfig, type Variant } from '../../core/ppo/config';
import {
  defaultThreads,
  effectiveConfig,
  importConfigFile,
  logicalCores,
  PRESETS,
  useConfigStore,
  type PresetName,
} from '../../store/configStore';
import { configToHash, configToJson } from '../../core/ppo/shareConfig';
import { downloadText } from '../../store/download';
import { FilePicker, JSON_ACCEPT } from '../FilePicker';
import { useLabBusy } from '../../store/busy';
import { useTrainingStore } from '../../store/trainingStore';
import type { BackendChoice } from '../../api/labClient';
import { FIELD_GROUPS, type FieldSpec } from './fields';

const BACKENDS: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto (fastest available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'cpu', label: 'CPU (plain JavaScript)' },
];

export function ConfigPanel() {
  const { variant, overrides, backend, threads, preset, setVariant, setSeed, setBackend, setThreads, applyPreset, reset } =
    useConfigStore();
  const threadSupport = useTrainingStore((s) => s.backendInfo?.threads ?? null);
  const busy = useLabBusy().any;
  const startBackend = useTrainingStore((s) => s.startBackend);
  const { config, errors } = useMemo(() => effectiveConfig(variant, overrides), [variant, overrides]);
  const ids = { variant: useId(), preset: useId(), backend: useId(), seed: useId(), threads: useId() };
  const cores = logicalCores();
  const threadsError =
    threads === null
      ? undefined
      : threads < 1
        ? 'At least 1; runs use 1 until you change it.'
        : threads > cores
          ? `At most ${cores}, the logical cores this browser reports; runs use ${cores} until you change it.`
          : undefined;

  return (
    <section className="panel" aria-labelledby="config-title">
      <div className="panel-head">
        <h2 id="config-title">Configure</h2>
        <button type="button" className="button secondary" onClick={reset} disabled={busy} data-testid="config-reset">
          Reset to defaults
        </button>
      </div>
      <ShareActions valid={Object.keys(errors).length === 0} disabled={busy} />
      <div className="config-top">
        <div className="field">
          <label htmlFor={ids.variant}>Variant</label>
          <select
            id={ids.variant}
            value={variant}
            disabled={busy}
            onChange={(e) => setVariant(e.target.value as Variant)}
            data-testid="variant-select"
          >
            {VARIANTS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
          <p className="help">{VARIANT_DESCRIPTIONS[variant]}</p>
        </div>
        <div className="field">
          <label htmlFor={ids.preset}>Preset</label>
          <select
            id={ids.preset}
            value={preset ?? ''}
            disabled={busy}
            onChange={(e) => e.target.value && applyPreset(e.target.value as PresetName)}
            data-testid="preset-select"
          >
            <option value="">Custom</option>
            {(Object.keys(PRESETS) as PresetName[]).map((p) => (
              <option key={p} value={p}>
                {PRESETS[p].label}
              </option>
            ))}
          </select>
          <p className="help">{preset ? PRESETS[preset].description : 'Your own settings.'}</p>
        </div>
        <div className="field">
          <label htmlFor={ids.backend}>Backend</label>
          <select
            id={ids.backend}
            value={backend}
            disabled={busy}
            data-testid="backend-select"
            onChange={(e) => {
              const choice = e.target.value as BackendChoice;
              setBackend(choice);
              void startBackend(choice);
            }}
          >
            {BACKENDS.map((b) => (
              <option key={b.value} value={b.value}>
                {b.label}
              </option>
            ))}
          </select>
          <p className="help">Auto prefers WebGPU on a real GPU, else WASM.</p>
        </div>
        <NumberInput
          id={ids.threads}
          label="Threads"
          help={
            threadSupport?.reason
              ? `Runs on one thread here: ${threadSupport.reason}.`
              : `Gradient-step threads on WASM and CPU; default ${defaultThreads()} (every core but one, for the page). The same seed trains the same on any count.`
          }
          value={threads ?? defaultThreads()}
          integer
          disabled={busy}
          error={threadsError}
          testId="threads-input"
          onCommit={setThreads}
        />
        <NumberInput
          id={ids.seed}
          label="Seed"
          value={config.seed}
          integer
          disabled={busy}
          onCommit={(v) => v !== null && setSeed(v)}
          error={errors.seed}
        />
      </div>
      {FIELD_GROUPS.map((group) => (
        <details key={group.title} className="group">
          <summary>
            {group.title}
            {group.fields.some((f) => errors[`${f.section}.${f.key}`]) || (group.title.startsWith('Data') && errors.split) ? (
              <span className="group-error"> — check the values</span>
            ) : null}
          </summary>
          <div className="fields">
            {group.fields
              .filter((f) => visible(f, config))
              .map((f) => (
                <Field key={`${f.section}.${f.key}`} spec={f} config={config} disabled={busy} error={errors[`${f.section}.${f.key}`]} />
              ))}
          </div>
          {group.title.startsWith('Data') && errors.split ? <p className="field-error">{errors.split}</p> : null}
        </details>
      ))}
      {Object.keys(errors).length ? (
        <p className="field-error" role="status" data-testid="config-errors">
          Fix {Object.keys(errors).length === 1 ? 'the highlighted setting' : `the ${Object.keys(errors).length} highlighted settings`}{' '}
          before training.
        </p>
      ) : null}
    </section>
  );
}

/** Export and import the settings as a JSON file, or copy a link that carries them in its hash. */
function ShareActions({ valid, disabled }: { valid: boolean; disabled: boolean }) {
  const { variant, overrides } = useConfigStore();
  const [link, setLink] = useState<{ url: string; copied: boolean } | null>(null);
  const linkId = useId();
  // A link shown for earlier settings would share the wrong ones.
  useEffect(() => setLink(null), [variant, overrides]);
  const shared = { ...overrides, variant };
  const copyLink = async () => {
    const url = `${location.origin}${location.pathname}#${configToHash(shared)}`;
    // The clipboard may be refused (no permission, no focus); the link is shown either way.
    const copied = await navigator.clipboard?.writeText(url).then(
      () => true,
      () => false,
    );
    setLink({ url, copied: copied === true });
  };
  const tip = valid ? undefined : 'Fix the highlighted settings first.';
  return (
    <>
      <div className="actions share-actions">
        <button
          type="button"
          className="button secondary"
          disabled={!valid}
          title={tip}
          onClick={() => downloadText(configToJson(shared), `ppo-config-${variant}.json`, 'application/json')}
          data-testid="config-export"
        >
          Export config
        </button>
        <FilePicker
          label="Import config…"
          accept={JSON_ACCEPT}
          secondary
          disabled={disabled}
          testId="config-import-input"
          onFile={(file) => void importConfigFile(file, file.name)}
        />
        <button
          type="button"
          className="button secondary"
          disabled={!valid}
          title={tip}
          onClick={() => void copyLink()}
          data-testid="config-copy-link"
        >
          Copy link
        </button>
      </div>
      {link ? (
        <div className="field share-link">
          <label htmlFor={linkId}>
            {link.copied ? 'Link copied: it opens the app with these settings' : 'Copy this link: it opens the app with these settings'}
          </label>
          <input id={linkId} type="text" readOnly value={link.url} onFocus={(e) => e.target.select()} data-testid="config-link" />
        </div>
      ) : null}
    </>
  );
}

function visible(f: FieldSpec, config: TrainingConfig): boolean {
  const env = config.env;
  switch (f.only) {
    case undefined:
      return true;
    case 'enhanced':
      return config.variant === 'enhanced-maskable';
    case 'attention':
      return config.network.encoder === 'attention';
    case 'quantile-critic':
      return config.network.critic === 'quantile';
    case 'basic':
    case 'sized':
      return env.actionSet === f.only;
    case 'leverage':
      return env.actionSet === 'basic' && env.sizing !== 'fixed';
    case 'session':
      return env.session !== null;
    default:
      return env.actionSet === 'basic' && env.sizing === f.only;
  }
}

function Field({
  spec,
  config,
  disabled,
  error,
}: {
  spec: FieldSpec;
  config: TrainingConfig;
  disabled: boolean;
  error: string | undefined;
}) {
  const setField = useConfigStore((s) => s.setField);
  const id = useId();
  const value = (config[spec.section] as unknown as Record<string, unknown>)[spec.key];
  const commit = (v: unknown) => setField(spec.section, spec.key, v);

  if (spec.kind === 'bool') {
    return (
      <div className="field field-bool">
        <input id={id} type="checkbox" checked={Boolean(value)} disabled={disabled} onChange={(e) => commit(e.target.checked)} />
        <label htmlFor={id}>{spec.label}</label>
        <p className="help">{spec.help}</p>
      </div>
    );
  }
  if (spec.kind === 'select') {
    return (
      <div className="field">
        <label htmlFor={id}>{spec.label}</label>
        <select id={id} value={String(value)} disabled={disabled} onChange={(e) => commit(e.target.value)}>
          {spec.options?.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        <p className="help">{spec.help}</p>
      </div>
    );
  }
  if (spec.kind === 'text') {
    return (
      <TextInput
        id={id}
        label={spec.label}
        help={spec.help}
        value={value as string | null}
        nullable={spec.nullable === true}
        disabled={disabled}
        onCommit={commit}
        error={error}
      />
    );
  }
  if (spec.kind === 'list') {
    return (
      <ListInput
        id={id}
        label={spec.label}
        help={spec.help}
        value={value as number[]}
        disabled={disabled}
        onCommit={commit}
        error={error}
      />
    );
  }
  return (
    <NumberInput
      id={id}
      label={spec.label}
      help={spec.help}
      value={value as number | null}
      integer={spec.kind === 'int'}
      optional={spec.kind === 'optional-number'}
      disabled={disabled}
      onCommit={commit}
      error={error}
    />
  );
}

/** A text setting, committed on blur or Enter; an empty nullable field is null. */
function TextInput(props: {
  id: string;
  label: string;
  help: string;
  value: string | null;
  nullable: boolean;
  disabled: boolean;
  onCommit(value: string | null): void;
  error: string | undefined;
}) {
  const { id, label, help, value, nullable, disabled, onCommit, error } = props;
  const [draft, setDraft] = useState(value ?? '');
  useEffect(() => setDraft(value ?? ''), [value]);
  const commit = () => {
    const text = draft.trim();
    onCommit(text === '' && nullable ? null : text);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={draft}
        placeholder={nullable ? 'none' : undefined}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <p className="help">{help}</p>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  );
}

interface NumberInputProps {
  id: string;
  label: string;
  help?: string;
  value: number | null;
  integer?: boolean;
  optional?: boolean;
  disabled?: boolean;
  error?: string | undefined;
  testId?: string;
  onCommit(value: number | null): void;
}

/** A number field that keeps what is typed, commits only numbers, and says what is wrong inline. */
export function NumberInput({ id, label, help, value, integer, optional, disabled, error, testId, onCommit }: NumberInputProps) {
  const [draft, setDraft] = useState(value === null ? '' : String(value));
  const [typingError, setTypingError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(value === null ? '' : String(value));
    setTypingError(null);
  }, [value]);

  const onChange = (text: string) => {
    setDraft(text);
    const trimmed = text.trim();
    if (trimmed === '' && optional) {
      setTypingError(null);
      onCommit(null);
      return;
    }
    const n = Number(trimmed);
    if (trimmed === '' || !Number.isFinite(n)) return setTypingError('Enter a number.');
    if (integer && !Number.isInteger(n)) return setTypingError('Enter a whole number.');
    setTypingError(null);
    onCommit(n);
  };
  const shown = typingError ?? error;
  return (
    <div className={`field${shown ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode={integer ? 'numeric' : 'decimal'}
        value={draft}
        disabled={disabled}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? `${id}-error` : undefined}
        data-testid={testId}
        onChange={(e) => onChange(e.target.value)}
      />
      {shown ? (
        <p className="field-error" id={`${id}-error`}>
          {shown}
        </p>
      ) : help ? (
        <p className="help">{help}</p>
      ) : null}
    </div>
  );
}

function ListInput({
  id,
  label,
  help,
  value,
  disabled,
  error,
  onCommit,
}: {
  id: string;
  label: string;
  help: string;
  value: number[];
  disabled: boolean;
  error: string | undefined;
  onCommit(v: number[]): void;
}) {
  const [draft, setDraft] = useState(value.join(', '));
  const [typingError, setTypingError] = useState<string | null>(null);
  useEffect(() => setDraft(value.join(', ')), [value]);
  const shown = typingError ?? error;
  return (
    <div className={`field${shown ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={draft}
        disabled={disabled}
        aria-invalid={shown ? true : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          const parts = e.target.value
            .split(/[,\s]+/)
            .filter(Boolean)
            .map(Number);
          if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1))
            return setTypingError('Enter layer widths as whole numbers, e.g. 256, 256, 128.');
          setTypingError(null);
          onCommit(parts);
        }}
      />
      {shown ? <p className="field-error">{shown}</p> : <p className="help">{help}</p>}
    </div>
  );
}
