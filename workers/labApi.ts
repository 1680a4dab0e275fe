import { importCsv } from '../src/core/data/importCsv';
import type { Bars } from '../src/core/data/bars';
import type { ImportReport } from '../src/core/data/report';
import { toUserError, type Outcome } from '../src/core/errors';
import { summariseDataset, type DatasetSummary } from '../src/core/workflow/dataset';

export interface GpuStatus {
  available: boolean;
  /** Adapter description when available, e.g. "Google SwiftShader (fallback adapter)". */
  adapter?: string;
  /** Why WebGPU cannot be used, when it cannot. */
  reason?: string;
}

/** The one API the UI calls; the worker exposes an instance of it through Comlink. */
export class LabApi {
  private dataset: { bars: Bars; report: ImportReport } | null = null;

  /**
   * Imports a CSV and makes it the current dataset. On failure the previous dataset stays current and
   * the error comes back as a value the UI can show.
   */
  async importFile(input: Blob | string, fileName: string, onProgress?: (rowsRead: number) => void): Promise<Outcome<DatasetSummary>> {
    try {
      const { bars, report } = await importCsv(input, { fileName, ...(onProgress ? { onProgress } : {}) });
      const summary = summariseDataset(bars, report);
      this.dataset = { bars, report };
      return { ok: true, value: summary };
    } catch (error) {
      const userError = toUserError(error);
      if (userError === null) throw error;
      return { ok: false, error: userError };
    }
  }

  /** The current dataset summarised for another lookback (the splits depend on it). */
  async summarise(lookback: number): Promise<Outcome<DatasetSummary> | null> {
    if (!this.dataset) return null;
    try {
      return { ok: true, value: summariseDataset(this.dataset.bars, this.dataset.report, { lookback }) };
    } catch (error) {
      const userError = toUserError(error);
      if (userError === null) throw error;
      return { ok: false, error: userError };
    }
  }

  async gpuStatus(): Promise<GpuStatus> {
    return probeWebGpu();
  }
}

async function probeWebGpu(): Promise<GpuStatus> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'This browser does not expose WebGPU (navigator.gpu is missing).' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'WebGPU is present but no GPU adapter was granted.' };
    // GPUAdapter.info is newer than these typings (requestAdapterInfo() before it).
    const info: Partial<Record<'vendor' | 'architecture' | 'description', string>> & { isFallbackAdapter?: boolean } =
      (adapter as GPUAdapter & { info?: object }).info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
    // Chrome moved isFallbackAdapter from the adapter to its info; read whichever this version has.
    const fallback = Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter);
    return { available: true, adapter: fallback ? `${name} (software fallback adapter)` : name };
  } catch (error) {
    return { available: false, reason: `Requesting a WebGPU adapter failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
