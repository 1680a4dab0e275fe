import type { Bars } from '../core/data/bars';
import { createRng } from '../core/random/rng';

/**
 * Daily bars whose log return follows r_t = φ·r_{t−1} + σ·ε: the next return is predictable from the
 * last one, so an agent that reads ret1 can earn more than trading costs. For learning tests.
 */
export function momentumBars(count: number, seed: number, phi = 0.9, sigma = 0.002): Bars {
  const rng = createRng(seed);
  const time = new Float64Array(count);
  const open = new Float64Array(count);
  const high = new Float64Array(count);
  const low = new Float64Array(count);
  const close = new Float64Array(count);
  const volume = new Float64Array(count);
  let price = 100;
  let r = 0;
  for (let i = 0; i < count; i++) {
    r = phi * r + sigma * rng.normal();
    const next = price * Math.exp(r);
    time[i] = Date.UTC(2000, 0, 1) + i * 86_400_000;
    open[i] = price;
    close[i] = next;
    high[i] = Math.max(price, next) * 1.001;
    low[i] = Math.min(price, next) * 0.999;
    volume[i] = 1000 + 100 * rng.next();
    price = next;
  }
  return { time, open, high, low, close, volume };
}
