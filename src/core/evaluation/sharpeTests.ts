import { moments, sampleStd, varies } from './descriptive';
import { normalCdf, normalQuantile } from './normal';
import { MIN_SHARPE_PERIODS } from './periodReturns';

/** The Euler–Mascheroni constant γ. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Probabilistic Sharpe ratio of a return series against a benchmark Sharpe SR*: the probability
 * that the true Sharpe ratio exceeds SR*, given the sample's length, skewness and kurtosis.
 * Sharpe ratios here are per period (not annualised).
 */
export interface ProbabilisticSharpe {
  /** PSR in [0, 1]; null with `reason` when the sample cannot support it. */
  psr: number | null;
  /** The benchmark SR* it was tested against, per period. */
  benchmarkSharpe: number;
  /** The sample's per-period Sharpe ratio mean / std (ddof 1); null when undefined. */
  sharpe: number | null;
  /** γ3, biased sample skewness. */
  skewness: number | null;
  /** γ4, biased sample kurtosis, non-excess (3 for normal returns). */
  kurtosis: number | null;
  periods: number;
  reason?: string;
}

/**
 * PSR(SR*) = Φ( (SR − SR*)·√(n − 1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²) )
 * (Bailey & López de Prado 2012, "The Sharpe ratio efficient frontier", eq. 11), with SR, γ3, γ4
 * estimated from the n returns. A benchmark taken from another series (buy & hold) is treated as
 * known; its own estimation error is ignored, which makes the test a little too willing to reject.
 */
export function probabilisticSharpe(returns: Float64Array, benchmarkSharpe = 0): ProbabilisticSharpe {
  const n = returns.length;
  const base = { benchmarkSharpe, periods: n };
  if (n < MIN_SHARPE_PERIODS) {
    return {
      ...base,
      psr: null,
      sharpe: null,
      skewness: null,
      kurtosis: null,
      reason: `${n} return periods; the probabilistic Sharpe ratio needs at least ${MIN_SHARPE_PERIODS}.`,
    };
  }
  const mo = moments(returns);
  if (!varies(mo.std, mo.mean)) {
    return {
      ...base,
      psr: null,
      sharpe: null,
      skewness: null,
      kurtosis: null,
      reason: 'The returns do not vary, so their Sharpe ratio is undefined.',
    };
  }
  const sr = mo.mean / mo.std;
  const stats = { ...base, sharpe: sr, skewness: mo.skewness, kurtosis: mo.kurtosis };
  const variance = 1 - mo.skewness * sr + ((mo.kurtosis - 1) / 4) * sr * sr;
  if (!(variance > 0)) {
    return {
      ...stats,
      psr: null,
      reason: 'The skewness and kurtosis of these returns make the Sharpe ratio’s estimated variance non-positive.',
    };
  }
  return { ...stats, psr: normalCdf(((sr - benchmarkSharpe) * Math.sqrt(n - 1)) / Math.sqrt(variance)) };
}

/** The Sharpe ratios tried before picking this one: their values, or only how many there were. */
export type Trials = { sharpes: Float64Array } | { count: number };

export interface DeflatedSharpe extends ProbabilisticSharpe {
  /** DSR = PSR(SR0); equals `psr`, named for the reader. */
  dsr: number | null;
  /** Number of trials T. */
  trials: number;
  /** V[SR_trials], per-period Sharpe ratios squared. */
  trialVariance: number | null;
  /** True when trialVariance is the no-skill sampling variance 1/(n − 1), not measured from trial Sharpes. */
  varianceAssumed: boolean;
}

/**
 * The Sharpe ratio the best of T skill-less trials reaches by luck (Bailey & López de Prado 2014,
 * "The deflated Sharpe ratio", eq. 2, after the false-strategy theorem):
 *   SR0 = √V[SR_trials] · ((1 − γ)·Φ⁻¹(1 − 1/T) + γ·Φ⁻¹(1 − 1/(T·e)))
 * One trial selects nothing, so SR0 = 0 there.
 */
export function expectedMaxSharpe(trials: number, trialVariance: number): number {
  if (trials <= 1) return 0;
  return (
    Math.sqrt(trialVariance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)))
  );
}

/**
 * Deflated Sharpe ratio: PSR against SR0, the best Sharpe ratio expected from T trials without skill.
 * With the trial Sharpe ratios (per period, over the same kind of periods) V is their variance (ddof 1)
 * and T their count. With only T known, V is assumed to be 1/(n − 1): the sampling variance of a
 * per-period Sharpe estimate over n periods when the true Sharpe ratio is 0 (the PSR denominator at
 * SR = 0), i.e. the trials differ by luck alone. Trials that are variants of one agent are correlated,
 * which makes T an overcount and the deflation stricter than needed; genuinely different strategies
 * scatter more than by luck, which this V understates.
 */
export function deflatedSharpe(returns: Float64Array, trials: Trials): DeflatedSharpe {
  const n = returns.length;
  const measured = 'sharpes' in trials;
  const count = measured ? trials.sharpes.length : Math.max(1, Math.floor(trials.count));
  let variance: number | null = null;
  if (measured && count >= 2) variance = sampleStd(trials.sharpes) ** 2;
  if (!measured && n > 1) variance = 1 / (n - 1);
  const sr0 = count > 1 && variance !== null ? expectedMaxSharpe(count, variance) : 0;
  const psr = probabilisticSharpe(returns, sr0);
  return { ...psr, dsr: psr.psr, trials: count, trialVariance: variance, varianceAssumed: !measured };
}
