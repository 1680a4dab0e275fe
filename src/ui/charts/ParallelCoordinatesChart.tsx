import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { formatNumber } from './series';

/** One vertical axis: numbers (linear or log) or categories spread evenly. */
export interface ParallelAxis {
  name: string;
  log?: boolean;
}

/** One polyline: a value per axis (null: missing, drawn at the axis foot), coloured by `score`. */
export interface ParallelLine {
  key: string;
  values: (number | string | boolean | null)[];
  /** Colours the line from low (blue) to high (orange); null draws it grey and dashed. */
  score: number | null;
  /** Drawn on top, thicker (e.g. the best trial). */
  highlight?: boolean;
}

interface Props {
  axes: ParallelAxis[];
  lines: ParallelLine[];
  height: number;
  /** What the chart shows, for screen readers. */
  label: string;
  testId?: string;
}

const MARGIN = { top: 22, right: 48, bottom: 20, left: 48 };
const FONT_PX = 11;

type Scale = { position(v: number | string | boolean | null): number | null; ticks: { at: number; text: string }[] };

/** Maps an axis's values to [0, 1] (0 bottom): numbers by their range, anything else by category. */
function scaleOf(axis: ParallelAxis, values: (number | string | boolean | null)[]): Scale {
  const present = values.filter((v): v is number | string | boolean => v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (numeric) {
    const log = axis.log === true && present.every((v) => (v as number) > 0);
    const t = (v: number) => (log ? Math.log10(v) : v);
    const nums = present.map((v) => t(v as number));
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const span = hi - lo || 1;
    const position = (v: number | string | boolean | null) => (typeof v === 'number' && Number.isFinite(v) ? (t(v) - lo) / span : null);
    const raw = (u: number) => (log ? 10 ** (lo + u * span) : lo + u * span);
    const ticks = (hi === lo ? [0.5] : [0, 0.5, 1]).map((u) => ({ at: u, text: formatNumber(hi === lo ? raw(0) : raw(u), 4) }));
    return { position, ticks };
  }
  const categories = [...new Set(present.map(String))].sort();
  const position = (v: number | string | boolean | null) => {
    if (v === null) return null;
    const i = categories.indexOf(String(v));
    return categories.length === 1 ? 0.5 : i / (categories.length - 1);
  };
  return { position, ticks: categories.map((c, i) => ({ at: categories.length === 1 ? 0.5 : i / (categories.length - 1), text: c })) };
}

/** Blue (low) to orange (high) through grey. */
function scoreColour(u: number): string {
  const low = [96, 165, 250];
  const high = [249, 115, 22];
  const mix = low.map((c, k) => Math.round(c + (high[k] - c) * u));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}

/**
 * A parallel-coordinates chart on a canvas: one axis per swept parameter and one for the score, one
 * line per trial coloured by its score, so the ranges that give good trials stand out.
 */
export function ParallelCoordinatesChart({ axes, lines, height, label, testId }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);

  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    if (!wrap) return;
    setWidth(Math.floor(wrap.clientWidth));
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(wrap);
    return () => observer.disconnect();
  }, []);

  const scales = useMemo(
    () =>
      axes.map((axis, k) =>
        scaleOf(
          axis,
          lines.map((l) => l.values[k] ?? null),
        ),
      ),
    [axes, lines],
  );
  const scoreRange = useMemo(() => {
    const scores = lines.map((l) => l.score).filter((s): s is number => s !== null && Number.isFinite(s));
    return scores.length ? { lo: Math.min(...scores), hi: Math.max(...scores) } : null;
  }, [lines]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (axes.length === 0) return;
    const style = getComputedStyle(canvas);
    const muted = style.getPropertyValue('--muted').trim() || '#94a3b8';
    const text = style.getPropertyValue('--text').trim() || '#e2e8f0';
    ctx.font = `${FONT_PX}px ${style.fontFamily}`;
    const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
    const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
    const ax = (k: number) => MARGIN.left + (axes.length === 1 ? plotW / 2 : (k / (axes.length - 1)) * plotW);
    const ay = (u: number) => MARGIN.top + (1 - u) * plotH;

    const ordered = [...lines].sort((a, b) => Number(!!a.highlight) - Number(!!b.highlight));
    for (const line of ordered) {
      const u = line.score === null || !scoreRange ? null : (line.score - scoreRange.lo) / (scoreRange.hi - scoreRange.lo || 1);
      ctx.strokeStyle = u === null ? muted : scoreColour(u);
      ctx.globalAlpha = line.highlight ? 1 : 0.75;
      ctx.lineWidth = line.highlight ? 3 : 1.5;
      ctx.setLineDash(u === null ? [4, 3] : []);
      ctx.beginPath();
      axes.forEach((_, k) => {
        const p = scales[k].position(line.values[k] ?? null) ?? 0;
        if (k === 0) ctx.moveTo(ax(k), ay(p));
        else ctx.lineTo(ax(k), ay(p));
      });
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);

    axes.forEach((axis, k) => {
      const x = Math.round(ax(k)) + 0.5;
      ctx.strokeStyle = muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, MARGIN.top);
      ctx.lineTo(x, MARGIN.top + plotH);
      ctx.stroke();
      ctx.fillStyle = text;
      ctx.textAlign = k === 0 ? 'left' : k === axes.length - 1 ? 'right' : 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(axis.name, k === 0 ? x - 20 : k === axes.length - 1 ? x + 20 : x, MARGIN.top - 6);
      ctx.fillStyle = muted;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      for (const tick of scales[k].ticks) ctx.fillText(tick.text, x + 4, ay(tick.at));
    });
  }, [axes, lines, scales, scoreRange, width, height]);

  return (
    <div ref={wrapRef} className="canvas-chart" style={{ height }} data-testid={testId}>
      <canvas ref={canvasRef} role="img" aria-label={label} style={{ width: '100%', height }} />
    </div>
  );
}
