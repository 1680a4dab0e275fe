// Inline SVG charts for the one-file HTML report: plain strings, no DOM, no fonts or scripts to load.

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface LineSeries {
  label: string;
  values: ArrayLike<number>;
  color: string;
  dashed?: boolean;
  /** Fill between the line and y = 0 (the underwater chart). */
  fillToZero?: boolean;
}

/** A shaded range between two series, drawn under the lines (Monte Carlo percentile bands). */
export interface BandSeries {
  label: string;
  x: ArrayLike<number>;
  low: ArrayLike<number>;
  high: ArrayLike<number>;
  color: string;
  opacity: number;
}

export interface LineChartSpec {
  title: string;
  x: ArrayLike<number>;
  series: LineSeries[];
  bands?: BandSeries[];
  xFormat: (x: number) => string;
  yFormat: (y: number) => string;
  width?: number;
  height?: number;
}

const MARGIN = { top: 12, right: 16, bottom: 28, left: 64 };
const AXIS_COLOR = '#64748b';
const GRID_COLOR = '#e2e8f0';

/** A line chart with a legend, 5 y ticks and 5 x ticks; non-finite points are skipped. */
export function lineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 260;
  const values: number[] = [];
  for (const s of spec.series) for (let i = 0; i < s.values.length; i++) values.push(s.values[i]);
  for (const b of spec.bands ?? []) for (let i = 0; i < b.low.length; i++) values.push(b.low[i], b.high[i]);
  if (spec.series.some((s) => s.fillToZero)) values.push(0);
  const xs = Array.from(spec.x);
  for (const b of spec.bands ?? []) xs.push(...Array.from(b.x));
  const [x0, x1] = extent(xs);
  const [y0, y1] = padded(extent(values));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (y: number) => MARGIN.top + (y1 === y0 ? plotH / 2 : (1 - (y - y0) / (y1 - y0)) * plotH);

  const parts: string[] = [];
  parts.push(...axes(width, height, x0, x1, y0, y1, sx, sy, spec.xFormat, spec.yFormat));
  for (const band of spec.bands ?? []) {
    const upper: string[] = [];
    const lower: string[] = [];
    for (let i = 0; i < band.x.length; i++) {
      if (!Number.isFinite(band.low[i]) || !Number.isFinite(band.high[i])) continue;
      upper.push(`${f(sx(band.x[i]))},${f(sy(band.high[i]))}`);
      lower.unshift(`${f(sx(band.x[i]))},${f(sy(band.low[i]))}`);
    }
    if (upper.length)
      parts.push(
        `<polygon class="band" points="${upper.concat(lower).join(' ')}" fill="${band.color}" fill-opacity="${band.opacity}" stroke="none"><title>${escapeHtml(band.label)}</title></polygon>`,
      );
  }
  for (const s of spec.series) {
    const points: string[] = [];
    for (let i = 0; i < s.values.length && i < spec.x.length; i++)
      if (Number.isFinite(s.values[i])) points.push(`${f(sx(spec.x[i]))},${f(sy(s.values[i]))}`);
    if (points.length === 0) continue;
    if (s.fillToZero) {
      const first = points[0].split(',')[0];
      const last = points[points.length - 1].split(',')[0];
      parts.push(
        `<polygon points="${first},${f(sy(0))} ${points.join(' ')} ${last},${f(sy(0))}" fill="${s.color}" fill-opacity="0.25" stroke="none"/>`,
      );
    }
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}><title>${escapeHtml(s.label)}</title></polyline>`,
    );
  }
  const legend = [
    ...(spec.bands ?? []).map((b) => ({ label: b.label, color: b.color, opacity: b.opacity })),
    ...spec.series.map((s) => ({ label: s.label, color: s.color, opacity: 1 })),
  ];
  let lx = MARGIN.left + 4;
  for (const item of legend) {
    parts.push(`<rect x="${lx}" y="${MARGIN.top}" width="10" height="10" fill="${item.color}" fill-opacity="${item.opacity}"/>`);
    parts.push(`<text x="${lx + 14}" y="${MARGIN.top + 9}" font-size="11" fill="#334155">${escapeHtml(item.label)}</text>`);
    lx += 24 + item.label.length * 6.2;
  }
  return svg(spec.title, width, height, parts);
}

export interface BarChartSpec {
  title: string;
  labels: string[];
  /** Null bars are left empty and labelled "—". */
  values: (number | null)[];
  format: (v: number) => string;
  width?: number;
  height?: number;
}

/** Vertical bars around a zero line: green above, red below. */
export function barChartSvg(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 240;
  const finite = spec.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const [y0, y1] = padded(extent([0, ...finite]));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom - 14;
  const sy = (y: number) => MARGIN.top + (y1 === y0 ? plotH / 2 : (1 - (y - y0) / (y1 - y0)) * plotH);
  const slot = plotW / Math.max(1, spec.labels.length);
  const parts: string[] = [];
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="${GRID_COLOR}"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${f(sy(t) + 4)}" font-size="11" text-anchor="end" fill="${AXIS_COLOR}">${escapeHtml(spec.format(t))}</text>`,
    );
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${f(sy(0))}" y2="${f(sy(0))}" stroke="${AXIS_COLOR}"/>`);
  spec.labels.forEach((label, i) => {
    const v = spec.values[i];
    const cx = MARGIN.left + slot * (i + 0.5);
    const barW = Math.max(4, slot * 0.6);
    if (v !== null && Number.isFinite(v)) {
      const top = Math.min(sy(v), sy(0));
      const h = Math.max(1, Math.abs(sy(v) - sy(0)));
      parts.push(
        `<rect x="${f(cx - barW / 2)}" y="${f(top)}" width="${f(barW)}" height="${f(h)}" fill="${v >= 0 ? '#16a34a' : '#dc2626'}"><title>${escapeHtml(`${label}: ${spec.format(v)}`)}</title></rect>`,
      );
    }
    parts.push(
      `<text x="${f(cx)}" y="${height - MARGIN.bottom + 8}" font-size="10" text-anchor="middle" fill="#334155">${escapeHtml(label)}</text>`,
    );
    parts.push(
      `<text x="${f(cx)}" y="${height - MARGIN.bottom + 22}" font-size="10" text-anchor="middle" fill="${AXIS_COLOR}">${escapeHtml(v === null || !Number.isFinite(v) ? '—' : spec.format(v))}</text>`,
    );
  });
  return svg(spec.title, width, height, parts);
}

function axes(
  width: number,
  height: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  sx: (x: number) => number,
  sy: (y: number) => number,
  xFormat: (x: number) => string,
  yFormat: (y: number) => string,
): string[] {
  const out: string[] = [];
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="${GRID_COLOR}"/>`);
    out.push(
      `<text x="${MARGIN.left - 6}" y="${f(sy(t) + 4)}" font-size="11" text-anchor="end" fill="${AXIS_COLOR}">${escapeHtml(yFormat(t))}</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const x = x0 + ((x1 - x0) * i) / 4;
    const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
    out.push(
      `<text x="${f(sx(x))}" y="${height - 8}" font-size="11" text-anchor="${anchor}" fill="${AXIS_COLOR}">${escapeHtml(xFormat(x))}</text>`,
    );
  }
  out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${height - MARGIN.bottom}" stroke="${AXIS_COLOR}"/>`);
  out.push(
    `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${height - MARGIN.bottom}" y2="${height - MARGIN.bottom}" stroke="${AXIS_COLOR}"/>`,
  );
  return out;
}

function svg(title: string, width: number, height: number, parts: string[]): string {
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}" font-family="system-ui, sans-serif"><title>${escapeHtml(title)}</title>${parts.join('')}</svg>`;
}

function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 1] : [lo, hi];
}

function padded([lo, hi]: [number, number]): [number, number] {
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

// Five evenly spaced values from lo to hi: enough to read a level without a tick algorithm.
function ticks(lo: number, hi: number): number[] {
  return [0, 1, 2, 3, 4].map((i) => lo + ((hi - lo) * i) / 4);
}

function f(v: number): string {
  return v.toFixed(1);
}
