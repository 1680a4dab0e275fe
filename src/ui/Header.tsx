import { useLabStore } from '../store/labStore';
import type { BackendInfo } from '../api/labClient';
import { useTrainingStore } from '../store/trainingStore';
import { useEffect, useId, useState } from 'react';
import { chooseTheme, followSystemTheme, savedTheme, THEME_CHOICES, type ThemeChoice } from './theme';

const ISOLATED = 'cross-origin isolated: training can use several threads (SharedArrayBuffer)';
const NOT_ISOLATED = 'not cross-origin isolated: no SharedArrayBuffer, so training runs on one thread';

export function Header() {
  const gpu = useLabStore((s) => s.gpu);
  const backend = useTrainingStore((s) => s.backendInfo);
  const pending = useTrainingStore((s) => s.backendPending);
  const gpuLabel = gpu === null ? 'Checking WebGPU…' : gpu.available ? 'WebGPU available' : 'WebGPU unavailable';
  const gpuDetail = gpu === null ? undefined : gpu.available ? gpu.adapter : gpu.reason;
  const backendTitle = backend
    ? [backend.reason, backend.adapter ? `WebGPU adapter: ${backend.adapter}` : null, backend.crossOriginIsolated ? ISOLATED : NOT_ISOLATED]
        .filter(Boolean)
        .join('\n')
    : undefined;
  return (
    <header className="header">
      <h1>PPO Trading Lab</h1>
      <span className="tagline">Train PPO trading agents on your own market data, in your browser.</span>
      <span className="badges">
        <span
          className={`badge ${backend ? 'badge-ok' : 'badge-pending'}`}
          data-testid="backend-badge"
          data-backend={backend?.name}
          title={backendTitle}
        >
          {pending || !backend ? 'Starting backend…' : `Backend: ${backend.name}`}
          {backend ? <span className="badge-detail"> ({backend.reason})</span> : null}
        </span>
        <span
          className={`badge ${gpu === null ? 'badge-pending' : gpu.available ? 'badge-ok' : 'badge-warn'}`}
          data-testid="webgpu-status"
          data-available={gpu === null ? undefined : String(gpu.available)}
          title={gpuDetail}
        >
          {gpuLabel}
          {gpuDetail ? <span className="badge-detail">: {gpuDetail}</span> : null}
        </span>
        {backend ? <ThreadsBadge threads={backend.threads} isolated={backend.crossOriginIsolated} /> : null}
      </span>
      <ThemeSelect />
    </header>
  );
}

/** How many threads training can use here, or why only one (no SharedArrayBuffer, a GPU backend…). */
function ThreadsBadge({ threads, isolated }: { threads: BackendInfo['threads']; isolated: boolean }) {
  const one = threads.available <= 1;
  return (
    <span
      className={`badge ${threads.reason ? 'badge-warn' : 'badge-ok'}`}
      data-testid="threads-badge"
      data-threads={threads.available}
      title={isolated ? undefined : 'Serve the app with COOP same-origin and COEP require-corp headers.'}
    >
      {threads.reason
        ? `One training thread: ${threads.reason}`
        : one
          ? 'Training threads: 1 (one core)'
          : `Training threads: up to ${threads.available}`}
    </span>
  );
}

const THEME_LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** Light, dark or the system's choice; remembered in this browser. */
function ThemeSelect() {
  const id = useId();
  const [theme, setTheme] = useState(savedTheme);
  useEffect(followSystemTheme, []);
  return (
    <span className="field inline theme-select">
      <label htmlFor={id}>Theme</label>
      <select
        id={id}
        value={theme}
        data-testid="theme-select"
        onChange={(e) => {
          const choice = e.target.value as ThemeChoice;
          chooseTheme(choice);
          setTheme(choice);
        }}
      >
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {THEME_LABELS[c]}
          </option>
        ))}
      </select>
    </span>
  );
}
