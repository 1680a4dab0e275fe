import { useId, useState, type ReactNode } from 'react';
import { portfolioConfigField, type PortfolioConfigPath } from '../../core/portfolio/configFields';
import { PORTFOLIO_MODES } from '../../core/portfolio/config';
import {
  PORTFOLIO_VARIANT_DESCRIPTIONS,
  PORTFOLIO_VARIANTS,
  type PortfolioTrainingConfig,
  type PortfolioVariant,
} from '../../core/portfolio/trainingConfig';
import { usePortfolioStore } from '../../store/portfolioStore';
import { NumberInput } from '../config/ConfigPanel';

/** The form's label of each setting it shows; the help under it is the schema's description. */
const RISK_FIELDS: [PortfolioConfigPath, string][] = [
  ['env.transactionCost', 'Transaction cost'],
  ['env.rebalanceThreshold', 'Rebalance threshold'],
  ['env.fillAt', 'Rebalance at'],
  ['env.maxLeverage', 'Max leverage'],
  ['env.borrowRatePerBar', 'Borrow rate per bar'],
  ['env.targetVolatility', 'Target volatility (annual)'],
  ['env.forecastWindow', 'Forecast window (bars)'],
  ['env.kellyCap', 'Kelly fraction'],
  ['env.drawdownLimit', 'Drawdown limit'],
  ['env.drawdownCooldownBars', 'Drawdown cool-down (bars)'],
  ['env.hedgeThreshold', 'Hedge threshold'],
  ['env.hedgeRatio', 'Hedge ratio'],
  ['env.hedgeBenchmark', 'Hedge benchmark'],
  ['env.maxRiskPerAsset', 'Max risk per asset'],
  ['env.atrMultiple', 'ATR multiple'],
  ['env.drawdownPenalty', 'Drawdown penalty'],
  ['env.volatilityPenalty', 'Volatility penalty'],
  ['env.initialCapital', 'Initial capital'],
];

const TRAINING_FIELDS: [PortfolioConfigPath, string][] = [
  ['env.numEnvs', 'Parallel envs'],
  ['env.episodeLength', 'Episode length'],
  ['ppo.numSteps', 'Steps per env per update'],
  ['ppo.minibatchSize', 'Minibatch size'],
  ['ppo.epochs', 'Epochs'],
  ['ppo.learningRate', 'Learning rate'],
  ['network.hidden', 'Hidden layers'],
  ['eval.everyUpdates', 'Validate every (updates)'],
  ['split.train', 'Train fraction'],
  ['split.validation', 'Validation fraction'],
  ['split.test', 'Test fraction'],
];

interface Props {
  values: PortfolioTrainingConfig;
  errors: Record<string, string>;
  assets: string[];
  disabled: boolean;
}

/** Variant, mode, steps and lookback on top; risk and training settings in collapsible groups, from the schema. */
export function PortfolioSettings({ values, errors, assets, disabled }: Props) {
  const { variant, setVariant, setField } = usePortfolioStore();
  const ids = { variant: useId(), mode: useId(), steps: useId(), lookback: useId() };
  const groupError = (fields: [PortfolioConfigPath, string][]) => fields.some(([path]) => errors[path]);
  return (
    <div className="portfolio-settings">
      <div className="fields">
        <div className="field">
          <label htmlFor={ids.variant}>Variant</label>
          <select
            id={ids.variant}
            value={variant}
            disabled={disabled}
            onChange={(e) => setVariant(e.target.value as PortfolioVariant)}
            data-testid="portfolio-variant"
          >
            {PORTFOLIO_VARIANTS.map((v) => (
              <option key={v} value={v}>
                {v === 'standard' ? 'Standard' : 'Enhanced'}
              </option>
            ))}
          </select>
          <p className="help">{PORTFOLIO_VARIANT_DESCRIPTIONS[variant]}</p>
        </div>
        <div className="field">
          <label htmlFor={ids.mode}>Mode</label>
          <select
            id={ids.mode}
            value={values.env.mode}
            disabled={disabled}
            onChange={(e) => setField('env', 'mode', e.target.value)}
            data-testid="portfolio-mode"
          >
            {PORTFOLIO_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <p className="help">{portfolioConfigField('env.mode').description}</p>
        </div>
        <NumberInput
          id={ids.steps}
          label="Total steps"
          value={values.stop.totalTimesteps}
          integer
          disabled={disabled}
          error={errors['stop.totalTimesteps']}
          testId="portfolio-steps"
          onCommit={(v) => v !== null && setField('stop', 'totalTimesteps', v)}
        />
        <NumberInput
          id={ids.lookback}
          label="Lookback per asset (bars)"
          help={portfolioConfigField('env.lookback').description}
          value={values.env.lookback}
          integer
          disabled={disabled}
          error={errors['env.lookback']}
          testId="portfolio-lookback"
          onCommit={(v) => v !== null && setField('env', 'lookback', v)}
        />
      </div>
      <SettingsGroup title="Risk & costs" testId="portfolio-risk" hasError={groupError(RISK_FIELDS)}>
        <div className="fields">
          {RISK_FIELDS.map(([path, label]) => (
            <SettingField key={path} path={path} label={label} values={values} error={errors[path]} assets={assets} disabled={disabled} />
          ))}
        </div>
      </SettingsGroup>
      <SettingsGroup title="Training settings" testId="portfolio-training" hasError={groupError(TRAINING_FIELDS) || Boolean(errors.split)}>
        <div className="fields">
          {TRAINING_FIELDS.map(([path, label]) => (
            <SettingField key={path} path={path} label={label} values={values} error={errors[path]} assets={assets} disabled={disabled} />
          ))}
        </div>
        {errors.split ? <p className="field-error">{errors.split}</p> : null}
      </SettingsGroup>
    </div>
  );
}

/**
 * A collapsible group whose fields exist only while it is open: the closed form holds no second
 * "Parallel envs" beside the single-asset settings' one, for a screen reader's field list or a test.
 */
function SettingsGroup({ title, testId, hasError, children }: { title: string; testId: string; hasError: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="group" data-testid={testId} open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {title}
        {hasError ? <span className="group-error"> — check the values</span> : null}
      </summary>
      {open ? children : null}
    </details>
  );
}

function SettingField({
  path,
  label,
  values,
  error,
  assets,
  disabled,
}: {
  path: PortfolioConfigPath;
  label: string;
  values: PortfolioTrainingConfig;
  error: string | undefined;
  assets: string[];
  disabled: boolean;
}) {
  const setField = usePortfolioStore((s) => s.setField);
  const id = useId();
  const spec = portfolioConfigField(path);
  const value = (values[spec.section] as unknown as Record<string, unknown>)[spec.key];
  const commit = (v: unknown) => setField(spec.section, spec.key, v);
  const help = <p className="help">{spec.description}</p>;

  // The benchmark is one of the loaded assets: a select of their names (none: the first asset).
  if (path === 'env.hedgeBenchmark') {
    return (
      <div className={`field${error ? ' has-error' : ''}`}>
        <label htmlFor={id}>{label}</label>
        <select id={id} value={(value as string | null) ?? ''} disabled={disabled} onChange={(e) => commit(e.target.value || null)}>
          <option value="">The first asset</option>
          {assets.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        {error ? <p className="field-error">{error}</p> : help}
      </div>
    );
  }
  if (spec.kind === 'choice') {
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <select id={id} value={String(value)} disabled={disabled} onChange={(e) => commit(e.target.value)}>
          {spec.options?.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  if (spec.kind === 'list') {
    return (
      <LayersInput
        id={id}
        label={label}
        help={spec.description}
        value={value as number[]}
        disabled={disabled}
        error={error}
        onCommit={commit}
      />
    );
  }
  return (
    <NumberInput
      id={id}
      label={label}
      help={spec.description}
      value={value as number | null}
      integer={spec.kind === 'int'}
      optional={spec.nullable}
      disabled={disabled}
      error={error}
      onCommit={commit}
    />
  );
}

/** Layer widths typed as "64, 64"; committed when every part is a whole number ≥ 1. */
function LayersInput(props: {
  id: string;
  label: string;
  help: string;
  value: number[];
  disabled: boolean;
  error: string | undefined;
  onCommit(v: number[]): void;
}) {
  const { id, label, help, value, disabled, error, onCommit } = props;
  const [draft, setDraft] = useState(value.join(', '));
  const [typingError, setTypingError] = useState<string | null>(null);
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
        aria-describedby={shown ? `${id}-error` : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          const parts = e.target.value
            .split(/[,\s]+/)
            .filter(Boolean)
            .map(Number);
          if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1))
            return setTypingError('Enter layer widths as whole numbers, e.g. 64, 64.');
          setTypingError(null);
          onCommit(parts);
        }}
      />
      {shown ? (
        <p className="field-error" id={`${id}-error`}>
          {shown}
        </p>
      ) : (
        <p className="help">{help}</p>
      )}
    </div>
  );
}
