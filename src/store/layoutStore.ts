import { create } from 'zustand';
import { persist } from 'zustand/middleware';

/** Which section of the page is open: the tab the user chose last, kept across reloads. */
interface LayoutState {
  section: string;
  openSection(id: string): void;
}

export const DEFAULT_SECTION = 'data';

export const useLayoutStore = create<LayoutState>()(
  persist(
    (set) => ({
      section: DEFAULT_SECTION,
      openSection: (section) => set({ section }),
    }),
    { name: 'ppo-lab-layout', version: 1 },
  ),
);
