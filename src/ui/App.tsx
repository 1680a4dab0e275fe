import { useEffect } from 'react';
import { useLabStore } from '../store/labStore';
import { Header } from './Header';
import { ErrorBanner } from './ErrorBanner';
import { DataPanel } from './data/DataPanel';
import { DropOverlay } from './data/DropOverlay';

let startedOnce = false;

export function App() {
  const probeGpu = useLabStore((s) => s.probeGpu);
  const loadSample = useLabStore((s) => s.loadSample);

  useEffect(() => {
    // StrictMode runs effects twice in development; the sample must load once.
    if (startedOnce) return;
    startedOnce = true;
    void probeGpu();
    if (useLabStore.getState().dataset === null) void loadSample();
  }, [probeGpu, loadSample]);

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <main className="main">
        <DataPanel />
      </main>
      <DropOverlay />
    </div>
  );
}
