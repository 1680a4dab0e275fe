// Loads the TypeScript step-thread entry through tsx inside a worker (see cli/stepThreads.ts).
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
