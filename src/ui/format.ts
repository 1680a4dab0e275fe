/** Display helpers shared by panels; UTC throughout, as the importer reads timestamps as UTC. */

export function formatTime(ms: number, intervalMs: number): string {
  const iso = new Date(ms).toISOString();
  return intervalMs < 86_400_000 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A size in bytes, in the largest unit that keeps it readable. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

/** A setting's value as a person would type it: up to six significant digits, no trailing zeros. */
export function formatSetting(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
  return typeof value === 'string' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}
