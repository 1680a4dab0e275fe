/** Bookkeeping of dropped rows: counts, first line numbers and one example per reason. */
import type { DropReason, DropSummary } from './report';

const MAX_ROWS_LISTED = 5;

const REASON_ORDER: DropReason[] = [
  'bad-timestamp',
  'missing-price',
  'non-numeric-price',
  'non-positive-price',
  'high-below-low',
  'bad-volume',
  'duplicate-timestamp',
];

export class DropTally {
  private readonly counts = new Map<DropReason, number>();
  private readonly lines = new Map<DropReason, number[]>();
  private readonly examples = new Map<DropReason, string>();

  /** Records one dropped row; example is the raw line, kept for the first row of each reason. */
  add(reason: DropReason, line: number, example?: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    let rows = this.lines.get(reason);
    if (!rows) {
      rows = [];
      this.lines.set(reason, rows);
      if (example !== undefined) this.examples.set(reason, example);
    }
    // Keep the smallest line numbers: duplicates are found after sorting, not in file order.
    if (rows.length < MAX_ROWS_LISTED || line < rows[rows.length - 1]) {
      let k = rows.length;
      while (k > 0 && rows[k - 1] > line) k--;
      rows.splice(k, 0, line);
      if (rows.length > MAX_ROWS_LISTED) rows.pop();
    }
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  count(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** The most frequent reason with its first line and example, for an all-rows-invalid message. */
  top(): { reason: DropReason; count: number; line: number; example: string } | null {
    let best: DropReason | null = null;
    for (const reason of REASON_ORDER) if (this.count(reason) > (best ? this.count(best) : 0)) best = reason;
    if (!best) return null;
    return { reason: best, count: this.count(best), line: this.lines.get(best)![0], example: this.examples.get(best) ?? '' };
  }

  summaries(messages: Record<DropReason, string>): DropSummary[] {
    return REASON_ORDER.filter((r) => this.count(r) > 0).map((reason) => ({
      reason,
      message: messages[reason],
      count: this.count(reason),
      rows: this.lines.get(reason)!.slice(),
    }));
  }
}
