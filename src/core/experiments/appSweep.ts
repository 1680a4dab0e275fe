import { createRng } from '../random/rng';
import type { TrainingOverrides } from '../ppo/config';
import type { SweepParameter, SweepSpec, SweepTrial } from './types';

/**
 * The app's sweep plan (issue #20): the trials of a spec, and for successive halving which trial runs
 * next at which budget. The plan is a pure function of the spec and the results so far, so a sweep
 * saved after each trial resumes after a reload by asking it again. The CLI's engine (sweep.ts)
 * generates the same kinds of trials.
 */

/** Values an interval contributes to a grid: its ends and its middle (geometric middle on a log scale). */
export const GRID_POINTS_PER_RANGE = 3;

type Value = number | string | boolean;

/** The trials of a spec, in order: a grid's combinations (at most spec.trials), or spec.trials seeded draws. */
export function sweepTrials(spec: SweepSpec): SweepTrial[] {
  const names = Object.keys(spec.parameters).sort();
  if (spec.method === 'grid') {
    const axes = names.map((name) => gridValues(spec.parameters[name]));
    const trials: SweepTrial[] = [];
    const count = Math.min(
      spec.trials,
      axes.reduce((n, a) => n * a.length, 1),
    );
    for (let index = 0; index < count; index++) {
      // Mixed radix over the axes, the last name changing fastest.
      let rest = index;
      const parameters: Record<string, Value> = {};
      for (let k = names.length - 1; k >= 0; k--) {
        parameters[names[k]] = axes[k][rest % axes[k].length];
        rest = Math.floor(rest / axes[k].length);
      }
      trials.push({ index, parameters });
    }
    return trials;
  }
  const rng = createRng(spec.seed);
  return Array.from({ length: spec.trials }, (_, index) => {
    const parameters: Record<string, Value> = {};
    for (const name of names) parameters[name] = draw(spec.parameters[name], rng.next());
    return { index, parameters };
  });
}

function gridValues(p: SweepParameter): Value[] {
  if ('values' in p) return p.values;
  if (p.min === p.max) return [p.min];
  const out: number[] = [];
  for (let k = 0; k < GRID_POINTS_PER_RANGE; k++) out.push(at(p, k / (GRID_POINTS_PER_RANGE - 1)));
  return [...new Set(out)];
}

/** The value at fraction u ∈ [0, 1] of a range (log-uniform with `log`), or the u-th of a list. */
function draw(p: SweepParameter, u: number): Value {
  if ('values' in p) return p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))];
  return at(p, u);
}

function at(p: Extract<SweepParameter, { min: number }>, u: number): number {
  const v = p.log ? Math.exp(Math.log(p.min) + u * (Math.log(p.max) - Math.log(p.min))) : p.min + u * (p.max - p.min);
  if (p.integer) return Math.min(Math.floor(p.max), Math.max(Math.ceil(p.min), Math.round(v)));
  // Twelve significant digits: no 0.30000000000000004 in tables and files.
  return Number(v.toPrecision(12));
}

/** One rung of successive halving: how many trials train, and for how many steps. */
export interface HalvingRung {
  rung: number;
  steps: number;
  trials: number;
}

/**
 * Successive halving (Jamieson & Talwalkar 2016; one bracket of Hyperband, Li et al. 2017): every
 * trial trains minSteps; the best 1/eta by validation Sharpe train eta times longer; and so on until
 * the last rung trains the full `steps`. Grid and random sweeps are one rung of every trial.
 */
export function halvingRungs(spec: SweepSpec, trialCount = sweepTrials(spec).length): HalvingRung[] {
  if (spec.method !== 'halving' || !spec.halving) return [{ rung: 0, steps: spec.steps, trials: trialCount }];
  const { eta, minSteps } = spec.halving;
  const rungs: HalvingRung[] = [];
  let steps = Math.min(minSteps, spec.steps);
  let trials = trialCount;
  for (let rung = 0; ; rung++) {
    rungs.push({ rung, steps, trials });
    if (steps >= spec.steps || trials <= 1) break;
    steps = Math.min(spec.steps, steps * eta);
    trials = Math.max(1, Math.floor(trials / eta));
  }
  return rungs;
}

/** Trials run at every rung of a sweep: what "overall progress" counts. */
export function plannedJobs(spec: SweepSpec): number {
  return halvingRungs(spec).reduce((n, r) => n + r.trials, 0);
}

/** A finished job of a sweep: a trial at a rung, and the validation Sharpe it reached (null: none). */
export interface SweepJobResult {
  trial: number;
  rung: number;
  validationSharpe: number | null;
}

/** A trial to run next: its parameters, rung and step budget. */
export interface SweepJob extends SweepTrial {
  rung: number;
  steps: number;
}

/**
 * The next job of a sweep given the jobs already finished, or null when the sweep is complete. At a
 * halving rung the trials promoted are the best of the previous rung by validation Sharpe (a trial
 * without one ranks last; ties keep trial order).
 */
export function nextSweepJob(spec: SweepSpec, done: readonly SweepJobResult[], trials = sweepTrials(spec)): SweepJob | null {
  let candidates = trials.map((t) => t.index);
  for (const rung of halvingRungs(spec, trials.length)) {
    const atRung = new Map(done.filter((d) => d.rung === rung.rung).map((d) => [d.trial, d]));
    const pending = candidates.find((index) => !atRung.has(index));
    if (pending !== undefined) return { ...trials[pending], rung: rung.rung, steps: rung.steps };
    const score = (index: number) => atRung.get(index)?.validationSharpe ?? Number.NEGATIVE_INFINITY;
    const ranked = [...candidates].sort((a, b) => score(b) - score(a) || a - b);
    candidates = ranked.slice(0, Math.max(1, Math.floor(candidates.length / (spec.halving?.eta ?? 1))));
  }
  return null;
}

/** The base overrides with a trial's parameters laid over them by dotted path ('ppo.learningRate'). */
export function applyTrialParameters(base: Record<string, unknown>, parameters: Record<string, Value>, steps: number): TrainingOverrides {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of Object.entries(parameters)) {
    const keys = path.split('.');
    let node = out;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...(next as object) } : {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  const stop = (out.stop ?? {}) as Record<string, unknown>;
  out.stop = { ...stop, totalTimesteps: steps };
  return out as TrainingOverrides;
}

/** A finished job of a sweep as the app keeps it: its result, and the run record it wrote. */
export interface SweepTrialResult extends SweepJobResult {
  parameters: Record<string, Value>;
  steps: number;
  status: 'done' | 'failed';
  /** The run record's id in the runs store (null when it could not be written). */
  runId: string | null;
  validationReturn: number | null;
  testSharpe: number | null;
  wallTimeMs: number;
  error: string | null;
}

/** A sweep's saved state: written after every job, so a reload resumes with the jobs not yet done. */
export interface SweepState {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  spec: SweepSpec;
  /** What the sweep trains on; resuming needs the same data loaded. */
  data: { fileName: string; closeHash: string };
  /** 'running' in storage after a reload means the tab closed mid-sweep: resume it. */
  status: 'running' | 'stopped' | 'done';
  results: SweepTrialResult[];
  /** The best job so far by validation Sharpe, and the library id its model was saved under. */
  best: { trial: number; rung: number; validationSharpe: number; modelId: string | null } | null;
}

/**
 * True when a job beats the best so far: a later halving rung (a longer budget) wins, then the higher
 * validation Sharpe; a job without a Sharpe never does.
 */
export function isBetterTrial(job: Pick<SweepJobResult, 'rung' | 'validationSharpe'>, best: SweepState['best']): boolean {
  const sharpe = job.validationSharpe;
  if (sharpe === null || !Number.isFinite(sharpe)) return false;
  if (best === null || job.rung > best.rung) return true;
  return job.rung === best.rung && sharpe > best.validationSharpe;
}
