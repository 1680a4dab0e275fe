import { downsampleIndices } from '../../core/workflow/downsample';
import type { Variant } from '../../core/ppo/config';

export const VARIANT_COLOURS: Record<Variant, string> = {
  standard: '#60a5fa',
  maskable: '#22c55e',
  'enhanced-maskable': '#f97316',
};

/** Exponential moving average; alpha 0 returns the series unchanged. */
export function smooth(values: ArrayLike<number>, alpha: number): number[] {
  const out = new Array<number>(values.length);
  let s = values.length ? values[0] : 0;
  for (let i = 0; i < values.length; i++) {
    s = alpha * s + (1 - alpha) * values[i];
    out[i] = s;
  }
  return out;
}

export { formatNumber } from '../../core/backtest/metricTable';

export function formatSteps(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k` : String(n);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** x and y columns of at most maxPoints, preserving extremes: what the canvas charts draw. */
export function columns(xs: ArrayLike<number>, ys: ArrayLike<number>, maxPoints = 1000): { xs: number[]; ys: number[] } {
  const keep = downsampleIndices(ys, maxPoints);
  return { xs: keep.map((i) => xs[i]), ys: keep.map((i) => ys[i]) };
}
