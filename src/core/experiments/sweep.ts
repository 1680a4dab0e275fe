import { ConfigError } from '../env/config';
import { checkTrainingConfig, mergeTrainingConfig, type TrainingOverrides } from '../ppo/config';
import { CONFIG_SECTIONS, configFields, unknownConfigKeys, type ConfigField } from '../ppo/configFields';
import { createRng } from '../random/rng';
import { sweepSpecSchema, type SweepParameter, type SweepSpec, type SweepTrial } from './types';

/**
 * The sweep engine's pure half (issue #20): reading a sweep spec, listing its trials (grid, seeded
 * random, or the random draws successive halving starts from), each trial's training overrides, and
 * successive halving's rungs and promotions. Running trials is the host's (the CLI, a cluster task).
 */

type ParameterValue = SweepTrial['parameters'][string];

/** Parameter paths beyond the sections' settings: the run's top-level seed. */
const TOP_LEVEL_PARAMETERS = ['seed'] as const;

/**
 * Reads a sweep spec (JSON text) and checks it against the training config: parameter names are
 * the config's dotted paths ('ppo.learningRate'), each value or range must fit its setting's kind
 * and bounds, the base overrides must be known settings, and every trial's full config must be
 * valid. Each error is a ConfigError naming the spec's field.
 */
export function parseSweepSpec(text: string): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The sweep spec is not valid JSON (${(error as Error).message}).`, 'spec');
  }
  const parsed = sweepSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || 'spec';
    throw new ConfigError(`Sweep spec field ${field}: ${issue.message}.`, field);
  }
  const spec = parsed.data;
  checkBase(spec);
  for (const [path, parameter] of Object.entries(spec.parameters)) checkParameter(path, parameter);
  if (spec.method === 'halving') {
    if (!spec.halving) throw new ConfigError('Sweep spec field halving: method "halving" needs {"eta": 3, "minSteps": N}.', 'halving');
    if (spec.halving.minSteps > spec.steps) {
      throw new ConfigError(
        `Sweep spec field halving.minSteps: ${spec.halving.minSteps} is more than steps (${spec.steps}); the first rung cannot train longer than the last.`,
        'halving.minSteps',
      );
    }
  } else if (spec.halving) {
    throw new ConfigError(`Sweep spec field halving: only method "halving" reads it (method is "${spec.method}").`, 'halving');
  }
  // A combination the config refuses (a minibatch larger than the rollout…) fails here, not hours in.
  for (const trial of sweepTrials(spec)) {
    const { errors } = checkTrainingConfig(mergeTrainingConfig(trialOverrides(spec, trial)));
    const [field, message] = Object.entries(errors)[0] ?? [];
    if (field !== undefined) {
      throw new ConfigError(
        `Sweep spec: trial ${trial.index} (${describeParameters(trial.parameters)}) has an invalid config.${field}: ${message}. Change base or the parameter ranges.`,
        `parameters.${field}`,
      );
    }
  }
  return spec;
}

function checkBase(spec: SweepSpec): void {
  const unknown = unknownConfigKeys(spec.base);
  if (unknown.length) {
    throw new ConfigError(`Sweep spec field base: unknown settings ${unknown.join(', ')}. See train --help for every setting.`, 'base');
  }
  const { errors } = checkTrainingConfig(mergeTrainingConfig(baseOverrides(spec)));
  const [field, message] = Object.entries(errors)[0] ?? [];
  if (field !== undefined) throw new ConfigError(`Sweep spec field base.${field}: ${message}.`, `base.${field}`);
}

function fieldOf(path: string): ConfigField | null {
  return configFields().find((f) => f.path === path) ?? null;
}

function checkParameter(path: string, parameter: SweepParameter): void {
  const where = `parameters.${path}`;
  const isTopLevel = (TOP_LEVEL_PARAMETERS as readonly string[]).includes(path);
  const field: Pick<ConfigField, 'kind' | 'min' | 'max' | 'options'> | null = isTopLevel ? { kind: 'int', min: 0 } : fieldOf(path);
  if (!field) {
    const [section] = path.split('.');
    const hint = (CONFIG_SECTIONS as readonly string[]).includes(section)
      ? `settings of ${section}: ${configFields()
          .filter((f) => f.section === section)
          .map((f) => f.key)
          .join(', ')}`
      : `parameter names are dotted config paths such as ppo.learningRate (sections: ${CONFIG_SECTIONS.join(', ')}; or seed)`;
    throw new ConfigError(`Sweep spec field ${where}: "${path}" is not a setting; ${hint}.`, where);
  }
  if ('values' in parameter) {
    parameter.values.forEach((value, i) => {
      const problem = valueProblem(field, value);
      if (problem) throw new ConfigError(`Sweep spec field ${where}.values.${i}: ${problem}.`, `${where}.values.${i}`);
    });
    return;
  }
  if (field.kind !== 'int' && field.kind !== 'number') {
    throw new ConfigError(`Sweep spec field ${where}: a ${field.kind} setting takes {"values": [...]}, not a min/max range.`, where);
  }
  for (const end of ['min', 'max'] as const) {
    const problem = valueProblem(field, parameter[end]);
    if (problem) throw new ConfigError(`Sweep spec field ${where}.${end}: ${problem}.`, `${where}.${end}`);
  }
}

/** Why a value does not fit a setting, or null when it does. */
function valueProblem(field: Pick<ConfigField, 'kind' | 'min' | 'max' | 'options'>, value: ParameterValue): string | null {
  const range = `${field.min ?? '−∞'} to ${field.max ?? '∞'}`;
  switch (field.kind) {
    case 'int':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${JSON.stringify(value)} is not a number`;
      if (field.kind === 'int' && !Number.isInteger(value)) return `${value} is not a whole number`;
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max))
        return `${value} is outside ${range}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${JSON.stringify(value)} is not true or false`;
    case 'choice':
      return typeof value === 'string' && (field.options ?? []).includes(value)
        ? null
        : `${JSON.stringify(value)} is not one of ${(field.options ?? []).join(', ')}`;
    case 'text':
      return typeof value === 'string' ? null : `${JSON.stringify(value)} is not text`;
    default:
      return `a ${field.kind} setting cannot be swept (set it in base)`;
  }
}

/** Size of the grid a spec spans: the product of its value lists' lengths. */
export function gridSize(spec: Pick<SweepSpec, 'parameters'>): number {
  return Object.values(spec.parameters).reduce((n, p) => n * ('values' in p ? p.values.length : Number.NaN), 1);
}

/**
 * The trials a sweep runs, each with its parameter values.
 * - grid: the cartesian product of the `values` lists, in the spec's parameter order with the last
 *   parameter varying fastest (itertools.product's order). A numeric range cannot be gridded, and a
 *   grid larger than `trials` is refused rather than cut, so no combination is silently dropped;
 *   a smaller grid runs each combination once.
 * - random and halving: `trials` draws from one seeded stream (rng.ts, seed `seed`): a value list
 *   uniformly, a range uniformly or log-uniformly (`log`), whole numbers for `integer` ranges and
 *   whole-number settings.
 */
export function sweepTrials(spec: SweepSpec): SweepTrial[] {
  const names = Object.keys(spec.parameters);
  if (spec.method === 'grid') {
    for (const name of names) {
      if (!('values' in spec.parameters[name])) {
        throw new ConfigError(
          `Sweep spec field parameters.${name}: a grid needs a list, {"values": [...]}; give the values to try, or use method "random" for a range.`,
          `parameters.${name}`,
        );
      }
    }
    const size = gridSize(spec);
    if (size > spec.trials) {
      throw new ConfigError(
        `Sweep spec field trials: the grid has ${size} combinations but trials is ${spec.trials}; raise trials to ${size} or shorten the value lists (a grid is never cut).`,
        'trials',
      );
    }
    const lists = names.map((name) => (spec.parameters[name] as { values: ParameterValue[] }).values);
    return Array.from({ length: size }, (_, index) => {
      const parameters: SweepTrial['parameters'] = {};
      let rest = index;
      for (let p = names.length - 1; p >= 0; p--) {
        parameters[names[p]] = lists[p][rest % lists[p].length];
        rest = Math.floor(rest / lists[p].length);
      }
      return { index, parameters: Object.fromEntries(names.map((n) => [n, parameters[n]])) };
    });
  }
  const rng = createRng(spec.seed);
  return Array.from({ length: spec.trials }, (_, index) => {
    const parameters: SweepTrial['parameters'] = {};
    for (const name of names) parameters[name] = draw(spec.parameters[name], wholeNumbers(name), rng.next.bind(rng));
    return { index, parameters };
  });
}

function wholeNumbers(path: string): boolean {
  return (TOP_LEVEL_PARAMETERS as readonly string[]).includes(path) || fieldOf(path)?.kind === 'int';
}

/** One value of a parameter from uniform numbers u in [0, 1). */
function draw(parameter: SweepParameter, wholeNumber: boolean, uniform: () => number): ParameterValue {
  if ('values' in parameter) return parameter.values[Math.floor(uniform() * parameter.values.length)];
  const { min, max } = parameter;
  const integer = parameter.integer === true || wholeNumber;
  if (parameter.log) {
    // Log-uniform: uniform in ln x, so each decade between min and max is equally likely.
    const x = Math.exp(Math.log(min) + uniform() * (Math.log(max) - Math.log(min)));
    return integer ? Math.min(Math.floor(max), Math.max(Math.ceil(min), Math.round(x))) : Math.min(max, Math.max(min, x));
  }
  if (integer) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    return lo + Math.floor(uniform() * (hi - lo + 1));
  }
  return min + uniform() * (max - min);
}

/** The spec's base overrides with its variant and step budget, before any parameter. */
function baseOverrides(spec: SweepSpec, steps = spec.steps): TrainingOverrides {
  const base = structuredClone(spec.base) as TrainingOverrides;
  const variant = spec.variant ?? base.variant;
  return { ...base, ...(variant ? { variant } : {}), stop: { ...base.stop, totalTimesteps: steps } };
}

/**
 * A trial's training overrides: the spec's base, its parameter values set at their dotted paths,
 * `stop.totalTimesteps` = the spec's steps (or a halving rung's budget), and seed = spec seed +
 * trial index unless a parameter sets the seed.
 */
export function trialOverrides(spec: SweepSpec, trial: SweepTrial, steps = spec.steps): TrainingOverrides {
  const overrides = baseOverrides(spec, steps) as Record<string, unknown>;
  overrides.seed = spec.seed + trial.index;
  for (const [path, value] of Object.entries(trial.parameters)) {
    const [section, key] = path.split('.');
    if (key === undefined) overrides[section] = value;
    else overrides[section] = { ...(overrides[section] as object | undefined), [key]: value };
  }
  return overrides as TrainingOverrides;
}

/** One rung of successive halving: its step budget and how many trials train at it. */
export interface HalvingRung {
  rung: number;
  steps: number;
  trials: number;
}

/**
 * Successive halving's schedule (Jamieson & Talwalkar 2016; Hyperband's inner loop): rung k trains
 * max(1, ⌊n / eta^k⌋) trials for minSteps · eta^k steps, the last rung for the spec's full `steps`;
 * there are as many rungs as fit minSteps · eta^k ≤ steps. Each rung trains its trials afresh at its
 * budget (same seed), so every rung's result is a complete run.
 */
export function halvingRungs(spec: SweepSpec): HalvingRung[] {
  if (spec.method !== 'halving' || !spec.halving) return [{ rung: 0, steps: spec.steps, trials: sweepTrials(spec).length }];
  const { eta, minSteps } = spec.halving;
  let last = 0;
  while (minSteps * eta ** (last + 1) <= spec.steps) last++;
  return Array.from({ length: last + 1 }, (_, k) => ({
    rung: k,
    steps: k === last ? spec.steps : minSteps * eta ** k,
    trials: Math.max(1, Math.floor(spec.trials / eta ** k)),
  }));
}

/** A trial's standing after a rung: its validation Sharpe (null when it had none). */
export interface RungResult {
  trial: number;
  validationSharpe: number | null;
}

/**
 * The trials promoted to the next rung: the best max(1, ⌊n / eta⌋) by validation Sharpe, a missing
 * Sharpe counting as 0 and ties going to the lower trial index; best first.
 */
export function promote(results: readonly RungResult[], eta: number): number[] {
  const keep = Math.max(1, Math.floor(results.length / eta));
  return [...results]
    .sort((a, b) => (b.validationSharpe ?? 0) - (a.validationSharpe ?? 0) || a.trial - b.trial)
    .slice(0, keep)
    .map((r) => r.trial);
}

/**
 * A short stable id for a sweep (FNV-1a of its spec's JSON without the data path), the same on every
 * machine so cluster tasks, whose spec copy names the data where they see it, and local runs label
 * their records alike. A DNS label, so it can name a Kubernetes Job.
 */
export function sweepId(spec: SweepSpec): string {
  const { data: _where, ...what } = spec;
  const text = JSON.stringify(what);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `sweep-${hash.toString(16).padStart(8, '0')}`;
}

/** "ppo.learningRate=0.0003, ppo.entropyCoef=0.01", for logs and error messages. */
export function describeParameters(parameters: SweepTrial['parameters']): string {
  const entries = Object.entries(parameters);
  if (!entries.length) return 'no parameters';
  return entries.map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}`).join(', ');
}
