import { halvingRungs as engineRungs, promote, sweepTrials, type HalvingRung } from './sweep';
import type { TrainingOverrides } from '../ppo/config';
import type { SweepSpec, SweepTrial } from './types';

/**
 * The app's sweep plan (issue #20): the trials of a spec, and for successive halving which trial runs
 * next at which budget. The plan is a pure function of the spec and the results so far, so a sweep
 * saved after each trial resumes after a reload by asking it again. The CLI's engine (sweep.ts)
 * generates the same kinds of trials.
 */

/**
 * The trials and the halving schedule are the CLI engine's (sweep.ts), so one spec file gives the
 * same trials, seeds and rungs in the app, the CLI and on a cluster.
 */
export { sweepTrials, type HalvingRung } from './sweep';

type Value = number | string | boolean;

export function halvingRungs(spec: SweepSpec): HalvingRung[] {
  return engineRungs(spec);
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
export function nextSweepJob(spec: SweepSpec, done: readonly SweepJobResult[], trials: SweepTrial[] = sweepTrials(spec)): SweepJob | null {
  let candidates = trials.map((t) => t.index);
  for (const rung of halvingRungs(spec)) {
    const atRung = new Map(done.filter((d) => d.rung === rung.rung).map((d) => [d.trial, d]));
    const pending = candidates.find((index) => !atRung.has(index));
    if (pending !== undefined) return { ...trials[pending], rung: rung.rung, steps: rung.steps };
    candidates = promote(
      candidates.map((trial) => ({ trial, validationSharpe: atRung.get(trial)?.validationSharpe ?? null })),
      spec.halving?.eta ?? 1,
    );
  }
  return null;
}

/** The base overrides with a trial's parameters laid over them by dotted path ('ppo.learningRate'); see sweep.ts trialOverrides for the seed. */
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
