import { parentPort, workerData } from 'node:worker_threads';
import { runStepThread, type StepThreadInit } from '../src/core/ppo/stepThreads';

const { init } = workerData as { init: StepThreadInit };
const port = parentPort;
if (!port) throw new Error('The step-thread entry runs in a worker thread only.');
try {
  runStepThread(init, () => port.postMessage('ready'));
} catch (error) {
  port.postMessage(`the thread failed: ${error instanceof Error ? error.message : String(error)}`);
}
