/** Display helpers shared by panels; UTC throughout, as the importer reads timestamps as UTC. */

export function formatTime(ms: number, intervalMs: number): string {
  const iso = new Date(ms).toISOString();
  return intervalMs < 86_400_000 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
