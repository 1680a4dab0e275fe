import { useLabStore } from '../store/labStore';

export function Header() {
  const gpu = useLabStore((s) => s.gpu);
  const label = gpu === null ? 'Checking WebGPU…' : gpu.available ? 'WebGPU available' : 'WebGPU unavailable';
  const detail = gpu === null ? undefined : gpu.available ? gpu.adapter : gpu.reason;
  return (
    <header className="header">
      <h1>PPO Trading Lab</h1>
      <span className="tagline">Train PPO trading agents on your own market data, in your browser.</span>
      <span
        className={`badge ${gpu === null ? 'badge-pending' : gpu.available ? 'badge-ok' : 'badge-warn'}`}
        data-testid="webgpu-status"
        data-available={gpu === null ? undefined : String(gpu.available)}
        title={detail}
      >
        {label}
        {detail ? <span className="badge-detail">: {detail}</span> : null}
      </span>
    </header>
  );
}
