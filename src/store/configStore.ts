import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { checkTrainingConfig, mergeTrainingConfig, type TrainingConfig, type TrainingOverrides, type Variant } from '../core/ppo/config';
import type { BackendChoice } from '../api/labClient';
import { PRESETS, type PresetName } from '../core/ppo/presets';

export { PRESETS, type PresetName };

interface ConfigState {
  variant: Variant;
  /** Only what the user changed; everything else comes from the variant's defaults. */
  overrides: TrainingOverrides;
  backend: BackendChoice;
  preset: PresetName | null;
  setVariant(variant: Variant): void;
  /** Sets one field by path, e.g. ("ppo", "learningRate", 1e-3). */
  setField(section: Section, key: string, value: unknown): void;
  setSeed(seed: number): void;
  setBackend(backend: BackendChoice): void;
  applyPreset(preset: PresetName): void;
  reset(): void;
}

export type Section = 'env' | 'ppo' | 'network' | 'stop' | 'eval' | 'split';

export const useConfigStore = create<ConfigState>()(
  persist(
    (set) => ({
      variant: 'maskable',
      overrides: {},
      backend: 'auto',
      preset: null,
      setVariant: (variant) => set({ variant }),
      setField: (section, key, value) =>
        set((s) => ({
          overrides: { ...s.overrides, [section]: { ...(s.overrides[section] as object | undefined), [key]: value } },
          preset: null,
        })),
      setSeed: (seed) => set((s) => ({ overrides: { ...s.overrides, seed }, preset: null })),
      setBackend: (backend) => set({ backend }),
      applyPreset: (preset) => set({ overrides: structuredClone(PRESETS[preset].overrides) as TrainingOverrides, preset }),
      reset: () => set({ overrides: {}, preset: null, variant: 'maskable', backend: 'auto' }),
    }),
    { name: 'ppo-lab-config', version: 1 },
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
