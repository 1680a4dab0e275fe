import { useEffect } from 'react';
import { onWorkerCrash } from '../api/labClient';
import { useConfigStore } from '../store/configStore';
import { useLabStore } from '../store/labStore';
import { useTrainingStore } from '../store/trainingStore';
import { Header } from './Header';
import { ErrorBanner } from './ErrorBanner';
import { DataPanel } from './data/DataPanel';
import { DropOverlay } from './data/DropOverlay';
import { ConfigPanel } from './config/ConfigPanel';
import { TrainPanel } from './train/TrainPanel';
import { BacktestPanel } from './backtest/BacktestPanel';
import { LibraryPanel } from './library/LibraryPanel';
import { PredictPanel } from './library/PredictPanel';

let startedOnce = false;

export function App() {
  useEffect(() => {
    // StrictMode runs effects twice in development; start-up must happen once.
    if (startedOnce) return;
    startedOnce = true;
    onWorkerCrash((message) => useTrainingStore.getState().crashed(message));
    void useLabStore.getState().probeGpu();
    void useTrainingStore.getState().startBackend(useConfigStore.getState().backend);
    if (useLabStore.getState().dataset === null) void useLabStore.getState().loadSample();
  }, []);

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      <main className="main">
        <DataPanel />
        <div className="columns">
          <ConfigPanel />
          <TrainPanel />
        </div>
        <BacktestPanel />
        <LibraryPanel />
        <PredictPanel />
      </main>
      <DropOverlay />
    </div>
  );
}
