import { useId, useState } from 'react';
import type { ColumnRole, ImportReport } from '../../core/data/report';
import { useLabStore } from '../../store/labStore';

const ROLES: { role: ColumnRole; label: string }[] = [
  { role: 'time', label: 'Date / time' },
  { role: 'open', label: 'Open' },
  { role: 'high', label: 'High' },
  { role: 'low', label: 'Low' },
  { role: 'close', label: 'Close' },
  { role: 'volume', label: 'Volume' },
];

/** Lets the user correct the detected columns and import the same file again with their choice. */
export function ColumnMapping({ report }: { report: ImportReport }) {
  const source = useLabStore((s) => s.source);
  const importFile = useLabStore((s) => s.importFile);
  const idBase = useId();
  const detected = (role: ColumnRole): string => {
    const name = report.mapping[role];
    const index = name === undefined ? -1 : report.columns.indexOf(name);
    return index < 0 ? '' : String(index);
  };
  const [choice, setChoice] = useState<Partial<Record<ColumnRole, string>>>({});
  // Separate date and time columns are detected as such; choosing a single time column replaces them.
  const splitTime = report.mapping.date !== undefined && report.mapping.time === undefined;

  const apply = () => {
    if (!source) return;
    const mapping: Partial<Record<ColumnRole, number>> = {};
    for (const { role } of ROLES) {
      const value = choice[role];
      if (value !== undefined && value !== '' && value !== detected(role)) mapping[role] = Number(value);
    }
    void importFile(source.file, source.fileName, mapping);
  };

  return (
    <details className="group" data-testid="column-mapping">
      <summary>Column mapping (change it if a column was detected wrongly)</summary>
      <div className="fields">
        {ROLES.map(({ role, label }) => (
          <div className="field" key={role}>
            <label htmlFor={`${idBase}-${role}`}>{label}</label>
            <select
              id={`${idBase}-${role}`}
              value={choice[role] ?? detected(role)}
              onChange={(e) => setChoice((c) => ({ ...c, [role]: e.target.value }))}
              data-testid={`mapping-${role}`}
            >
              <option value="">
                {role === 'time' && splitTime ? `${report.mapping.date} + ${report.mapping.clock ?? ''}` : '(not found)'}
              </option>
              {report.columns.map((c, i) => (
                <option key={`${c}-${i}`} value={String(i)}>
                  {c || `column ${i + 1}`}
                </option>
              ))}
            </select>
          </div>
        ))}
      </div>
      <button
        type="button"
        className="button secondary"
        disabled={!source || Object.keys(choice).length === 0}
        onClick={apply}
        data-testid="mapping-apply"
      >
        Import again with this mapping
      </button>
    </details>
  );
}
