import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { registerStepThreadSpawner, type StepThreadHandle, type StepThreadInit } from '../src/core/ppo/stepThreads';

/** The CLI's default: every core, as the issue asks (the CLI has no UI thread to spare). */
export function nodeDefaultThreads(): number {
  return availableParallelism();
}

/**
 * Step threads in Node: worker_threads running the core's runStepThread. The worker starts from a
 * plain-JavaScript boot file that loads the TypeScript entry through tsx's API, because a worker does
 * not inherit the parent's tsx loader (Node 20 rejects `--import tsx` in a worker's execArgv).
 */
export function useNodeStepThreads(): void {
  registerStepThreadSpawner(spawnNodeStepThread);
}

function spawnNodeStepThread(init: StepThreadInit): StepThreadHandle {
  const worker = new Worker(new URL('./stepThreadBoot.mjs', import.meta.url), {
    workerData: { entry: new URL('./stepThreadEntry.ts', import.meta.url).href, init },
  });
  // A waiting thread must not keep the process alive once the run is over.
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: unknown) =>
      message === 'ready' ? resolve() : reject(new Error(typeof message === 'string' ? message : 'the thread did not start')),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the thread exited with code ${code} before it was ready`)));
  });
  return { ready, terminate: () => void worker.terminate() };
}
