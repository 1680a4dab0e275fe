import { useEffect, useMemo, useRef, useState } from 'react';
import { extentOf, innerTicks, nearestIndex, niceTicks, type Extent } from './scale';

export interface CanvasSeries {
  name: string;
  /** Any CSS colour, including `var(--name)`. */
  colour: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  lineWidth?: number;
  opacity?: number;
  dash?: number[];
  /** Mark each point (for short series such as one point per update). */
  dots?: boolean;
  /** Leave out of the hover read-out (e.g. a raw series under its smoothed one). */
  hideInTooltip?: boolean;
  /** Fill from the line to this baseline: a value (a drawdown's 0) or a series at the same xs (a band's lower edge). */
  fillTo?: number | ArrayLike<number>;
  /** The fill's opacity (default 0.25). */
  fillOpacity?: number;
  /** Leave the line out, drawing only the fill or the marks. */
  noLine?: boolean;
  /** A triangle at each point, pointing up or down (buys and sells on a price chart); implies no line. */
  marks?: 'up' | 'down';
}

interface Props {
  series: CanvasSeries[];
  height: number;
  formatX: (x: number) => string;
  formatY: (y: number) => string;
  /** The hover read-out's format, when it needs more digits than the axis. */
  formatValue?: (y: number) => string;
  /** What the chart shows, for screen readers. */
  label: string;
  /** A custom y domain; by default it fits the data. */
  yDomain?: Extent;
  /** Vertical dashed lines at these x values, labelled at the top (e.g. walk-forward fold starts). */
  markers?: { x: number; label: string }[];
}

const MARGIN = { top: 8, right: 12, bottom: 22, left: 8 };
const FONT_PX = 11;

interface Layout {
  x: Extent;
  y: Extent;
  xTicks: number[];
  yTicks: number[];
}

function layoutOf(series: CanvasSeries[], yDomain: Extent | undefined): Layout | null {
  const x = extentOf(series.map((s) => s.xs));
  const fills = series.flatMap((s) => (s.fillTo === undefined ? [] : typeof s.fillTo === 'number' ? [[s.fillTo]] : [s.fillTo]));
  const yData = yDomain ?? extentOf([...series.map((s) => s.ys), ...fills]);
  if (!x || !yData) return null;
  const { ticks: yTicks, domain: y } = niceTicks(yData, 5);
  return { x, y, xTicks: innerTicks(x, 5), yTicks };
}

/** Resolves `var(--name)` against the element's computed style, so the canvas follows the theme. */
function resolveColour(el: Element, colour: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(colour.trim());
  if (!m) return colour;
  return getComputedStyle(el).getPropertyValue(m[1]).trim() || '#888';
}

/** Fills between a series and its baseline, breaking at missing values. */
function fillArea(
  ctx: CanvasRenderingContext2D,
  s: CanvasSeries,
  to: number | ArrayLike<number>,
  sx: (v: number) => number,
  sy: (v: number) => number,
) {
  const base = (i: number) => (typeof to === 'number' ? to : to[i]);
  const opacity = ctx.globalAlpha;
  ctx.globalAlpha = opacity * (s.fillOpacity ?? 0.25);
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    ctx.beginPath();
    ctx.moveTo(sx(s.xs[start]), sy(s.ys[start]));
    for (let i = start + 1; i < end; i++) ctx.lineTo(sx(s.xs[i]), sy(s.ys[i]));
    for (let i = end - 1; i >= start; i--) ctx.lineTo(sx(s.xs[i]), sy(base(i)));
    ctx.closePath();
    ctx.fill();
    start = -1;
  };
  for (let i = 0; i < s.xs.length; i++) {
    if (Number.isFinite(s.ys[i]) && Number.isFinite(base(i))) {
      if (start < 0) start = i;
    } else close(i);
  }
  close(s.xs.length);
  ctx.globalAlpha = opacity;
}

/** A small triangle at each point, as one path. */
function drawMarks(
  ctx: CanvasRenderingContext2D,
  s: CanvasSeries,
  direction: 'up' | 'down',
  sx: (v: number) => number,
  sy: (v: number) => number,
) {
  const r = 4;
  const tip = direction === 'up' ? -r : r;
  ctx.beginPath();
  for (let i = 0; i < s.xs.length; i++) {
    if (!Number.isFinite(s.ys[i])) continue;
    const x = sx(s.xs[i]);
    const y = sy(s.ys[i]);
    ctx.moveTo(x, y + tip);
    ctx.lineTo(x + r, y - tip);
    ctx.lineTo(x - r, y - tip);
    ctx.closePath();
  }
  ctx.fill();
}

/**
 * A line chart drawn on a canvas. The live training charts use it instead of recharts: one redraw is
 * a few hundred canvas calls (about a millisecond) where recharts' SVG tree took 35–70 ms on a
 * two-core machine, which left the page with long tasks while training ran.
 */
export function CanvasLineChart({ series, height, formatX, formatY, formatValue = formatY, label, yDomain, markers }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hoverPx, setHoverPx] = useState<number | null>(null);
  const [themeTick, setThemeTick] = useState(0);
  const layout = useMemo(() => layoutOf(series, yDomain), [series, yDomain]);

  // The width comes from the observer's first report, after the browser's own layout: reading
  // clientWidth here would force a layout of the whole page inside React's commit (16 ms of the task
  // that mounts a backtest's three charts).
  useEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(wrap);
    return () => observer.disconnect();
  }, []);

  // The theme lives in <html data-theme> (src/ui/theme.ts): redraw with the new palette when it flips.
  useEffect(() => {
    const observer = new MutationObserver(() => setThemeTick((t) => t + 1));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);

  // Plot-area geometry shared by drawing and hovering; the left margin fits the widest y label.
  const geometry = useMemo(() => {
    if (!layout || width <= 0) return null;
    const widest = Math.max(...layout.yTicks.map((t) => formatY(t).length));
    const left = MARGIN.left + Math.ceil(widest * FONT_PX * 0.62);
    const plotW = Math.max(10, width - left - MARGIN.right);
    const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
    const sx = (v: number) => left + ((v - layout.x.min) / (layout.x.max - layout.x.min || 1)) * plotW;
    const sy = (v: number) => MARGIN.top + (1 - (v - layout.y.min) / (layout.y.max - layout.y.min || 1)) * plotH;
    const invX = (px: number) => layout.x.min + ((px - left) / plotW) * (layout.x.max - layout.x.min);
    return { left, plotW, plotH, sx, sy, invX };
  }, [layout, width, height, formatY]);

  const hoverX = geometry && hoverPx !== null ? geometry.invX(hoverPx) : null;

  useEffect(() => {
    // Drawn in a task of its own: charts that mount together (a backtest's three) then draw in
    // three short tasks instead of one long one.
    const timer = setTimeout(() => {
      const canvas = canvasRef.current;
      if (!canvas || width <= 0) return;
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
        canvas.width = Math.round(width * dpr);
        canvas.height = Math.round(height * dpr);
      }
      // A CPU-backed canvas: a chart is a few hundred path calls, and allocating a GPU surface for it
      // (software GL on machines without a GPU) took ~20 ms a chart, half of the task that draws a
      // backtest's three charts.
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, height);
      if (!layout || !geometry) return;
      const { left, plotW, plotH, sx, sy } = geometry;
      const style = getComputedStyle(canvas);
      const grid = style.getPropertyValue('--chart-grid').trim() || '#1e293b';
      const muted = style.getPropertyValue('--muted').trim() || '#94a3b8';
      ctx.font = `${FONT_PX}px ${style.fontFamily}`;
      ctx.lineWidth = 1;

      ctx.strokeStyle = grid;
      ctx.fillStyle = muted;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const t of layout.yTicks) {
        const y = Math.round(sy(t)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + plotW, y);
        ctx.stroke();
        ctx.fillText(formatY(t), left - 4, y);
      }
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (const t of layout.xTicks) {
        const x = Math.round(sx(t)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, MARGIN.top);
        ctx.lineTo(x, MARGIN.top + plotH);
        ctx.stroke();
        ctx.fillText(formatX(t), Math.min(Math.max(x, left + 12), left + plotW - 12), MARGIN.top + plotH + 5);
      }

      if (markers?.length) {
        ctx.strokeStyle = muted;
        ctx.setLineDash([3, 3]);
        ctx.textAlign = 'left';
        for (const m of markers) {
          if (m.x < layout.x.min || m.x > layout.x.max) continue;
          const x = Math.round(sx(m.x)) + 0.5;
          ctx.beginPath();
          ctx.moveTo(x, MARGIN.top);
          ctx.lineTo(x, MARGIN.top + plotH);
          ctx.stroke();
          ctx.fillText(m.label, x + 3, MARGIN.top + 2);
        }
        ctx.setLineDash([]);
      }

      ctx.save();
      ctx.beginPath();
      ctx.rect(left, MARGIN.top - 1, plotW, plotH + 2);
      ctx.clip();
      for (const s of series) {
        const colour = resolveColour(canvas, s.colour);
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.globalAlpha = s.opacity ?? 1;
        ctx.lineWidth = s.lineWidth ?? 1.5;
        ctx.lineJoin = 'round';
        ctx.setLineDash(s.dash ?? []);
        if (s.fillTo !== undefined) fillArea(ctx, s, s.fillTo, sx, sy);
        if (s.marks) {
          drawMarks(ctx, s, s.marks, sx, sy);
          continue;
        }
        if (s.noLine) continue;
        ctx.beginPath();
        let pen = false;
        for (let i = 0; i < s.xs.length; i++) {
          const v = s.ys[i];
          // A missing value breaks the line instead of drawing to zero.
          if (!Number.isFinite(v)) {
            pen = false;
            continue;
          }
          const x = sx(s.xs[i]);
          const y = sy(v);
          if (pen) ctx.lineTo(x, y);
          else ctx.moveTo(x, y);
          pen = true;
        }
        ctx.stroke();
        if (s.dots) {
          for (let i = 0; i < s.xs.length; i++) {
            if (!Number.isFinite(s.ys[i])) continue;
            ctx.beginPath();
            ctx.arc(sx(s.xs[i]), sy(s.ys[i]), 2.5, 0, Math.PI * 2);
            ctx.fill();
          }
        }
      }
      ctx.restore();
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);

      if (hoverX !== null) {
        const x = Math.round(sx(hoverX)) + 0.5;
        ctx.strokeStyle = muted;
        ctx.beginPath();
        ctx.moveTo(x, MARGIN.top);
        ctx.lineTo(x, MARGIN.top + plotH);
        ctx.stroke();
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [series, layout, geometry, width, height, hoverX, formatX, formatY, themeTick, markers]);

  const readout = useMemo(() => {
    if (hoverX === null) return null;
    const rows = series
      .filter((s) => !s.hideInTooltip && s.xs.length > 0)
      .map((s) => {
        const i = nearestIndex(s.xs, hoverX);
        return { name: s.name, colour: s.colour, x: s.xs[i], y: s.ys[i] };
      });
    return rows.length ? { x: rows[0].x, rows } : null;
  }, [series, hoverX]);

  const inPlot = (px: number) => geometry !== null && px >= geometry.left && px <= geometry.left + geometry.plotW;

  return (
    <div ref={wrapRef} className="canvas-chart" style={{ height }}>
      <canvas
        ref={canvasRef}
        role="img"
        aria-label={label}
        style={{ width: '100%', height }}
        onPointerMove={(e) => {
          const px = e.clientX - e.currentTarget.getBoundingClientRect().left;
          setHoverPx(inPlot(px) ? px : null);
        }}
        onPointerLeave={() => setHoverPx(null)}
      />
      {readout && hoverPx !== null ? (
        <div className="chart-readout" style={hoverPx > width / 2 ? { right: width - hoverPx + 8 } : { left: hoverPx + 8 }}>
          <div className="chart-readout-x">{formatX(readout.x)}</div>
          {readout.rows.map((r) => (
            <div key={r.name}>
              <span className="swatch" style={{ background: r.colour }} />
              {r.name}: {Number.isFinite(r.y) ? formatValue(r.y) : '—'}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
