import * as Comlink from 'comlink';
import type { LabApi } from '../../workers/labApi';

export type { GpuStatus } from '../../workers/labApi';
export type LabClient = Comlink.Remote<LabApi>;

let client: LabClient | null = null;

/** The lab worker, started on first use; every long computation runs there. */
export function labClient(): LabClient {
  client ??= Comlink.wrap<LabApi>(new Worker(new URL('../../workers/lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' }));
  return client;
}

/** Wraps a callback so the worker can call it across the boundary. */
export const callback = Comlink.proxy;
