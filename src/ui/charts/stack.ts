/** Stacked bands of weights for the area chart (pure, tested in Node). */
export interface StackedBands {
  /** Row-major [points × series]: each band's lower and upper edge at each point. */
  lower: Float64Array;
  upper: Float64Array;
  /** Lowest lower edge and highest upper edge over all points. */
  min: number;
  max: number;
}

/**
 * Stacks `series` weights per point in series order: a weight ≥ 0 sits on the positive stack (from 0
 * upwards), a negative one hangs below the negative stack, so long and short exposure read apart.
 */
export function stackWeights(weights: ArrayLike<number>, points: number, series: number): StackedBands {
  const lower = new Float64Array(points * series);
  const upper = new Float64Array(points * series);
  let min = 0;
  let max = 0;
  for (let k = 0; k < points; k++) {
    let up = 0;
    let down = 0;
    for (let j = 0; j < series; j++) {
      const i = k * series + j;
      const w = Number.isFinite(weights[i]) ? weights[i] : 0;
      if (w >= 0) {
        lower[i] = up;
        up += w;
        upper[i] = up;
      } else {
        upper[i] = down;
        down += w;
        lower[i] = down;
      }
    }
    if (up > max) max = up;
    if (down < min) min = down;
  }
  return { lower, upper, min, max };
}
