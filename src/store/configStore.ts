import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { checkTrainingConfig, mergeTrainingConfig, type TrainingConfig, type TrainingOverrides, type Variant } from '../core/ppo/config';
import type { BackendChoice } from '../api/labClient';
import { PRESETS, type PresetName } from '../core/ppo/presets';
import { configFromHash, configFromJson, describeChanges, hasSharedConfig, ShareError, type SharedConfig } from '../core/ppo/shareConfig';

export { PRESETS, type PresetName };

interface ConfigState {
  variant: Variant;
  /** Only what the user changed; everything else comes from the variant's defaults. */
  overrides: TrainingOverrides;
  backend: BackendChoice;
  /** Threads for the gradient step; null: defaultThreads(). Not a training setting: the same seed trains the same on any count. */
  threads: number | null;
  preset: PresetName | null;
  setVariant(variant: Variant): void;
  /** Sets one field by path, e.g. ("ppo", "learningRate", 1e-3). */
  setField(section: Section, key: string, value: unknown): void;
  setSeed(seed: number): void;
  setBackend(backend: BackendChoice): void;
  setThreads(threads: number | null): void;
  applyPreset(preset: PresetName): void;
  reset(): void;
  /** The notice about the last shared config; not persisted. */
  shareNotice: ShareNotice | null;
  /** Replaces the settings with a checked shared config (variant and overrides; the backend stays). */
  applyShared(shared: SharedConfig, source: string): void;
  refuseShared(source: string, message: string): void;
  dismissShareNotice(): void;
}

/** What the last shared config (a link or a file) did to the settings, for the notice above them. */
export type ShareNotice = { kind: 'applied'; source: string; changes: string[] } | { kind: 'refused'; source: string; message: string };

export type Section = 'env' | 'ppo' | 'network' | 'stop' | 'eval' | 'split';

export const useConfigStore = create<ConfigState>()(
  persist(
    (set) => ({
      variant: 'maskable',
      overrides: {},
      backend: 'auto',
      threads: null,
      preset: null,
      setVariant: (variant) => set({ variant }),
      setField: (section, key, value) =>
        set((s) => ({
          overrides: { ...s.overrides, [section]: { ...(s.overrides[section] as object | undefined), [key]: value } },
          preset: null,
        })),
      setSeed: (seed) => set((s) => ({ overrides: { ...s.overrides, seed }, preset: null })),
      setBackend: (backend) => set({ backend }),
      setThreads: (threads) => set({ threads }),
      applyPreset: (preset) => set({ overrides: structuredClone(PRESETS[preset].overrides) as TrainingOverrides, preset }),
      reset: () => set({ overrides: {}, preset: null, variant: 'maskable', backend: 'auto', threads: null }),
      shareNotice: null,
      applyShared: ({ variant, ...overrides }, source) =>
        set({
          variant,
          overrides,
          preset: null,
          shareNotice: { kind: 'applied', source, changes: describeChanges({ ...overrides, variant }) },
        }),
      refuseShared: (source, message) => set({ shareNotice: { kind: 'refused', source, message } }),
      dismissShareNotice: () => set({ shareNotice: null }),
    }),
    {
      name: 'ppo-lab-config',
      version: 1,
      partialize: ({ variant, overrides, backend, threads, preset }) => ({ variant, overrides, backend, threads, preset }),
    },
  ),
);

/** The config a run would use now, and every field error, for the form and the Train button. */
export function effectiveConfig(
  variant: Variant,
  overrides: TrainingOverrides,
): { config: TrainingConfig; valid: TrainingConfig | null; errors: Record<string, string> } {
  const merged = mergeTrainingConfig({ ...overrides, variant });
  const { config, errors } = checkTrainingConfig(merged);
  return { config: merged, valid: config, errors };
}

/**
 * Fills the settings from a `#config=…` URL hash, or says why it cannot (the settings are then left
 * alone). Returns false when the hash carries no config.
 */
export function applyConfigHash(hash: string): boolean {
  if (!hasSharedConfig(hash)) return false;
  const { applyShared, refuseShared } = useConfigStore.getState();
  try {
    applyShared(configFromHash(hash), 'the link');
  } catch (error) {
    if (!(error instanceof ShareError)) throw error;
    refuseShared('the link', error.message);
  }
  return true;
}

/** Fills the settings from an exported config file, or says why it cannot. */
export async function importConfigFile(file: Blob, fileName: string): Promise<void> {
  const { applyShared, refuseShared } = useConfigStore.getState();
  try {
    applyShared(configFromJson(await file.text(), fileName), fileName);
  } catch (error) {
    if (!(error instanceof ShareError)) throw error;
    refuseShared(fileName, error.message);
  }
}

/** Logical cores this browser reports. */
export function logicalCores(): number {
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** The default thread count: every logical core but one, which the page keeps for drawing. */
export function defaultThreads(): number {
  return Math.max(1, logicalCores() - 1);
}

/** The threads a run asks for: the setting within [1, the cores], or the default. */
export function requestedThreads(): number {
  const threads = useConfigStore.getState().threads;
  return threads === null ? defaultThreads() : Math.min(logicalCores(), Math.max(1, Math.round(threads)));
}
