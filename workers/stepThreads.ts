import { registerStepThreadSpawner, type StepThreadHandle, type StepThreadInit } from '../src/core/ppo/stepThreads';

/**
 * Step threads in the browser: dedicated workers started from the lab worker, running the core's
 * runStepThread over the shared memory. Our kernels are bytes we encode ourselves (compute/encode.ts),
 * not an Emscripten pthread script rebuilt from its source text, so minification cannot break them
 * (tfjs's threaded WASM build's problem, workers/backend.ts). Without cross-origin isolation there is
 * no SharedArrayBuffer; the grant then says so and the run steps on one thread.
 */
export function useBrowserStepThreads(): void {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated !== true) return;
  registerStepThreadSpawner(spawnBrowserStepThread);
}

/** The app's default: every logical core but one, which the page keeps for drawing. */
export function browserDefaultThreads(): number {
  return Math.max(1, (globalThis.navigator?.hardwareConcurrency ?? 1) - 1);
}

function spawnBrowserStepThread(init: StepThreadInit): StepThreadHandle {
  const worker = new Worker(new URL('./stepThread.worker.ts', import.meta.url), { type: 'module', name: `step thread ${init.index}` });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<unknown>) =>
      event.data === 'ready' ? resolve() : reject(new Error(typeof event.data === 'string' ? event.data : 'the thread did not start'));
    worker.onerror = (event) => reject(new Error(event.message || 'the thread script failed to load'));
  });
  worker.postMessage(init);
  return { ready, terminate: () => worker.terminate() };
}
