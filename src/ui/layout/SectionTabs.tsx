import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useLayoutStore } from '../../store/layoutStore';

/** One section of the page: a tab and the panels it shows. */
export interface LabSection {
  /** Stable id: the tab is `tab-<id>`, its panel `section-<id>` (also their test ids). */
  id: string;
  label: string;
  content: ReactNode;
}

/**
 * The page as tabs (WAI-ARIA tabs pattern, automatic activation): arrow keys, Home and End move
 * between tabs. Every section stays mounted and the inactive ones are only `hidden`, so a chart keeps
 * its data and a running job its progress while another tab is open.
 */
export function SectionTabs({ sections }: { sections: LabSection[] }) {
  const stored = useLayoutStore((s) => s.section);
  const openSection = useLayoutStore((s) => s.openSection);
  const active = sections.some((s) => s.id === stored) ? stored : sections[0]?.id;
  const tabs = useRef(new Map<string, HTMLButtonElement>());

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = sections.length - 1;
    const next =
      e.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : e.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : null;
    if (next === null) return;
    e.preventDefault();
    const id = sections[next].id;
    openSection(id);
    tabs.current.get(id)?.focus();
  };

  return (
    <>
      <nav className="section-nav" aria-label="Sections">
        <div role="tablist" aria-label="Sections" className="section-tabs">
          {sections.map((s, i) => (
            <button
              key={s.id}
              ref={(el) => {
                if (el) tabs.current.set(s.id, el);
                else tabs.current.delete(s.id);
              }}
              type="button"
              role="tab"
              id={`tab-${s.id}`}
              aria-controls={`section-${s.id}`}
              aria-selected={s.id === active}
              tabIndex={s.id === active ? 0 : -1}
              className="section-tab"
              data-testid={`tab-${s.id}`}
              onClick={() => openSection(s.id)}
              onKeyDown={(e) => onKeyDown(e, i)}
            >
              {s.label}
            </button>
          ))}
        </div>
      </nav>
      {sections.map((s) => (
        <div
          key={s.id}
          role="tabpanel"
          id={`section-${s.id}`}
          aria-labelledby={`tab-${s.id}`}
          className="section-panel"
          data-testid={`section-${s.id}`}
          hidden={s.id !== active}
        >
          {s.content}
        </div>
      ))}
    </>
  );
}
