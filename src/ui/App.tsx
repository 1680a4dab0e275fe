import { useEffect } from 'react';
import { onWorkerCrash } from '../api/labClient';
import { effectiveConfig, useConfigStore } from '../store/configStore';
import { useLabStore } from '../store/labStore';
import { useTrainingStore } from '../store/trainingStore';
import { useWalkForwardStore } from '../store/walkForwardStore';
import { Header } from './Header';
import { ErrorBanner } from './ErrorBanner';
import { DataPanel } from './data/DataPanel';
import { DropOverlay } from './data/DropOverlay';
import { ConfigPanel } from './config/ConfigPanel';
import { TrainPanel } from './train/TrainPanel';
import { BacktestPanel } from './backtest/BacktestPanel';
import { WalkForwardPanel } from './walkforward/WalkForwardPanel';
import { LibraryPanel } from './library/LibraryPanel';
import { PredictPanel } from './library/PredictPanel';
import { PortfolioPanel } from './portfolio/PortfolioPanel';
import { usePortfolioStore } from '../store/portfolioStore';
import { RunsPanel } from './runs/RunsPanel';
import { SweepPanel } from './sweeps/SweepPanel';

let startedOnce = false;

export function App() {
  useEffect(() => {
    // StrictMode runs effects twice in development; start-up must happen once.
    if (startedOnce) return;
    startedOnce = true;
    onWorkerCrash((message) => {
      useWalkForwardStore.getState().crashed();
      usePortfolioStore.getState().crashed();
      useTrainingStore.getState().crashed(message);
    });
    void useLabStore.getState().probeGpu();
    void useTrainingStore.getState().startBackend(useConfigStore.getState().backend);
    if (useLabStore.getState().dataset === null) void useLabStore.getState().loadSample();
  }, []);

  // The data panel's splits follow the configured lookback and split fractions.
  const variant = useConfigStore((s) => s.variant);
  const overrides = useConfigStore((s) => s.overrides);
  const dataset = useLabStore((s) => s.dataset);
  useEffect(() => {
    const { config } = effectiveConfig(variant, overrides);
    const { train, validation, test } = config.split;
    if (config.env.lookback >= 1 && Math.abs(train + validation + test - 1) < 1e-6)
      void useLabStore.getState().resummarise(config.env.lookback, { train, validation, test });
  }, [variant, overrides, dataset]);

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
        <WalkForwardPanel />
        <RunsPanel />
        <SweepPanel />
        <BacktestPanel />
        <LibraryPanel />
        <PredictPanel />
        <PortfolioPanel />
      </main>
      <DropOverlay />
    </div>
  );
}
