import { runStepThread, type StepThreadInit } from '../src/core/ppo/stepThreads';

// One step thread (workers/stepThreads.ts): builds its passes, says ready, then blocks on Atomics between phases.
self.onmessage = (event: MessageEvent<StepThreadInit>) => {
  try {
    runStepThread(event.data, () => self.postMessage('ready'));
  } catch (error) {
    self.postMessage(`the thread failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};
