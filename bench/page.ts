import * as Comlink from 'comlink';
import type { BenchWorkerApi } from './bench.worker';

// The bench runner calls window.runBench through Playwright; the work happens in a worker, as in the app.
const worker = Comlink.wrap<BenchWorkerApi>(new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' }));
(window as unknown as { runBench: BenchWorkerApi['run'] }).runBench = (backend, options) => worker.run(backend, options);
