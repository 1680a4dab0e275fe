import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { innerTicks, nearestIndex, niceTicks } from './scale';
import { stackWeights } from './stack';

interface Props {
  /** x of each point (bar times). */
  xs: ArrayLike<number>;
  /** Row-major [points × names.length]: each asset's weight, then cash. */
  weights: ArrayLike<number>;
  /** The assets, then 'cash'. */
  names: string[];
  colours: string[];
  height: number;
  formatX: (x: number) => string;
  title: string;
  /** What the chart shows, for screen readers. */
  label: string;
  testId?: string;
}

const MARGIN = { top: 8, right: 12, bottom: 22, left: 44 };
const FONT_PX = 11;
const percent = (v: number) => `${Math.round(v * 100)}%`;

/**
 * Portfolio weights over time as stacked areas on a canvas, one band per asset and cash: long
 * weights stack up from 0, short ones down from it, so a long-only portfolio fills 0 – 100 %.
 * Drawn like CanvasLineChart (a few hundred canvas calls per redraw), with an HTML legend.
 */
export function WeightsAreaChart({ xs, weights, names, colours, height, formatX, title, label, testId }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const points = xs.length;
  const bands = useMemo(() => stackWeights(weights, points, names.length), [weights, points, names.length]);

  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    setWidth(Math.floor(wrap.clientWidth));
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(wrap);
    return () => observer.disconnect();
  }, []);

  const geometry = useMemo(() => {
    if (points === 0 || width <= 0) return null;
    // Weights summing to 1 up to rounding must not widen the axis to the next tick (150 %).
    const top = bands.max <= 1 + 1e-6 ? 1 : bands.max;
    const { ticks: yTicks, domain: y } = niceTicks({ min: Math.min(0, bands.min), max: top }, 4);
    const x = { min: xs[0], max: xs[points - 1] };
    const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
    const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
    const sx = (v: number) => MARGIN.left + ((v - x.min) / (x.max - x.min || 1)) * plotW;
    const sy = (v: number) => MARGIN.top + (1 - (v - y.min) / (y.max - y.min || 1)) * plotH;
    return { x, yTicks, xTicks: innerTicks(x, 5), plotW, plotH, sx, sy };
  }, [xs, points, bands, width, height]);

  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!geometry) return;
    const { plotW, plotH, sx, sy } = geometry;
    const style = getComputedStyle(canvas);
    const grid = style.getPropertyValue('--chart-grid').trim() || '#1e293b';
    const muted = style.getPropertyValue('--muted').trim() || '#94a3b8';
    ctx.font = `${FONT_PX}px ${style.fontFamily}`;

    for (let j = 0; j < names.length; j++) {
      ctx.fillStyle = colours[j];
      ctx.globalAlpha = 0.85;
      ctx.beginPath();
      for (let k = 0; k < points; k++) {
        const px = sx(xs[k]);
        const py = sy(bands.upper[k * names.length + j]);
        if (k === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      for (let k = points - 1; k >= 0; k--) ctx.lineTo(sx(xs[k]), sy(bands.lower[k * names.length + j]));
      ctx.closePath();
      ctx.fill();
    }
    ctx.globalAlpha = 1;

    ctx.strokeStyle = grid;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of geometry.yTicks) {
      const y = Math.round(sy(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(MARGIN.left, y);
      ctx.lineTo(MARGIN.left + plotW, y);
      ctx.stroke();
      ctx.fillText(percent(t), MARGIN.left - 4, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of geometry.xTicks) {
      const x = Math.min(Math.max(sx(t), MARGIN.left + 12), MARGIN.left + plotW - 12);
      ctx.fillText(formatX(t), x, MARGIN.top + plotH + 5);
    }
    if (hover !== null) {
      const x = Math.round(sx(xs[hover])) + 0.5;
      ctx.strokeStyle = muted;
      ctx.beginPath();
      ctx.moveTo(x, MARGIN.top);
      ctx.lineTo(x, MARGIN.top + plotH);
      ctx.stroke();
    }
  }, [geometry, bands, xs, points, names, colours, width, height, hover, formatX]);

  const readout = hover === null ? null : names.map((name, j) => ({ name, colour: colours[j], weight: weights[hover * names.length + j] }));
  const hoverPx = hover !== null && geometry ? geometry.sx(xs[hover]) : 0;

  return (
    <figure className="chart-card" data-testid={testId} data-points={points} data-series={names.length}>
      <figcaption>{title}</figcaption>
      <div ref={wrapRef} className="canvas-chart" style={{ height }}>
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={label}
          style={{ width: '100%', height }}
          onPointerMove={(e) => {
            if (!geometry) return;
            const px = e.clientX - e.currentTarget.getBoundingClientRect().left;
            if (px < MARGIN.left || px > MARGIN.left + geometry.plotW) return setHover(null);
            const x = geometry.x.min + ((px - MARGIN.left) / geometry.plotW) * (geometry.x.max - geometry.x.min);
            setHover(nearestIndex(xs, x));
          }}
          onPointerLeave={() => setHover(null)}
        />
        {readout && hover !== null ? (
          <div className="chart-readout" style={hoverPx > width / 2 ? { right: width - hoverPx + 8 } : { left: hoverPx + 8 }}>
            <div className="chart-readout-x">{formatX(xs[hover])}</div>
            {readout.map((r) => (
              <div key={r.name}>
                <span className="swatch" style={{ background: r.colour }} />
                {r.name}: {(r.weight * 100).toFixed(1)} %
              </div>
            ))}
          </div>
        ) : null}
      </div>
      <ul className="legend">
        {names.map((name, j) => (
          <li key={name}>
            <span className="swatch" style={{ background: colours[j] }} />
            {name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
