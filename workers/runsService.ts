import * as Comlink from 'comlink';
import type { Outcome } from '../src/core/errors';
import type { RunCurve } from '../src/core/experiments/types';
import type { RunImport, RunRow } from '../src/library/runLibrary';
import type { RunHistory } from './runHistory';
import { attempt } from './serviceSupport';

export type { RunImport, RunRow } from '../src/library/runLibrary';
export type { RunLineError } from '../src/core/experiments/appRecord';

/** What the overlay charts draw for one run: the chosen curve and the kept checkpoint's validation equity. */
export interface RunOverlay {
  id: string;
  name: string;
  curve: RunCurve | null;
  validationEquity: RunCurve | null;
}

/**
 * The runs history (issue #20): list, overlay, delete, export and import run records. Records are
 * read and parsed here, never on the UI thread: an import of many runs is megabytes of JSON.
 */
export class RunsService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  constructor(private readonly history: RunHistory) {}

  /** Every recorded run's row (no curves), newest first. */
  async list(): Promise<Outcome<RunRow[]>> {
    return attempt(async () => (await this.history.open()).list());
  }

  /** One curve (by name, e.g. 'episodeReward') and the validation equity of each run, in the order asked. */
  async overlay(ids: string[], curve: string): Promise<Outcome<RunOverlay[]>> {
    return attempt(async () =>
      (await (await this.history.open()).get(ids)).map((r) => ({
        id: r.id,
        name: r.name,
        curve: r.curves.find((c) => c.name === curve) ?? null,
        validationEquity: r.validationEquity,
      })),
    );
  }

  async remove(ids: string[]): Promise<Outcome<null>> {
    return attempt(async () => {
      await (await this.history.open()).remove(ids);
      return null;
    });
  }

  /** The runs (all when `ids` is null) as one JSON lines file. */
  async exportLines(ids: string[] | null): Promise<Outcome<{ fileName: string; text: string; count: number }>> {
    return attempt(async () => {
      const { text, count } = await (await this.history.open()).exportLines(ids);
      const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
      return { fileName: `ppo-lab-${count}-run${count === 1 ? '' : 's'}-${stamp}.runs.jsonl`, text, count };
    });
  }

  /**
   * Imports a .jsonl/.json file of run records (an export, the CLI's runs folder, a sweep collect):
   * good records are stored, bad lines reported by number. `availableBytes` is the browser's estimate
   * of what is left, when the UI has one.
   */
  async importFile(file: Blob, availableBytes: number | null = null): Promise<Outcome<RunImport>> {
    return attempt(async () => (await this.history.open()).importLines(await file.text(), availableBytes));
  }
}
