import { useEffect } from 'react';
import { onWorkerCrash } from '../api/labClient';
import { applyConfigHash, effectiveConfig, useConfigStore } from '../store/configStore';
import { useLayoutStore } from '../store/layoutStore';
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
import { SectionTabs, type LabSection } from './layout/SectionTabs';
import { SharedConfigNotice } from './config/SharedConfigNotice';
import { UpdatePrompt } from './UpdatePrompt';

/**
 * The page's sections, in tab order. A new panel is one entry here: an id (its tab is `tab-<id>`,
 * its panel `section-<id>`), a label and what it shows.
 */
const SECTIONS: LabSection[] = [
  { id: 'data', label: 'Data', content: <DataPanel /> },
  {
    id: 'train',
    label: 'Train',
    // Settings beside the live charts, which stay in view while the settings scroll.
    content: (
      <div className="columns train-layout">
        <div>
          <SharedConfigNotice />
          <ConfigPanel />
        </div>
        <div className="sticky-column">
          <TrainPanel />
        </div>
      </div>
    ),
  },
  { id: 'backtest', label: 'Backtest', content: <BacktestPanel /> },
  { id: 'walk-forward', label: 'Walk-forward', content: <WalkForwardPanel /> },
  { id: 'runs', label: 'Runs', content: <RunsPanel /> },
  { id: 'sweep', label: 'Sweep', content: <SweepPanel /> },
  { id: 'portfolio', label: 'Portfolio', content: <PortfolioPanel /> },
  {
    id: 'library',
    label: 'Library & predict',
    content: (
      <>
        <LibraryPanel />
        <PredictPanel />
      </>
    ),
  },
];

let startedOnce = false;

/** Fills the settings from a `#config=…` link, opens them, and takes the config out of the address. */
function applySharedLink() {
  if (!applyConfigHash(location.hash)) return;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  useLayoutStore.getState().openSection('train');
}

export function App() {
  useEffect(() => {
    // StrictMode runs effects twice in development; start-up must happen once.
    if (startedOnce) return;
    startedOnce = true;
    applySharedLink();
    // A link pasted into the address bar of an open app changes only the hash.
    window.addEventListener('hashchange', applySharedLink);
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
      <UpdatePrompt />
      <main className="main">
        <SectionTabs sections={SECTIONS} />
      </main>
      <DropOverlay />
    </div>
  );
}
