import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { useNodeStepThreads } from './stepThreads';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/**
 * Node has no WebGPU: the CLI runs tfjs's WASM backend (SIMD; tfjs 4.22 turns its threads off in
 * Node), ~40× faster than the pure-JS CPU backend. Falls back to CPU, and says so, if WASM fails.
 */
export async function useNodeBackend(preferred: NodeBackend, warn: (line: string) => void): Promise<string> {
  useNodeStepThreads();
  if (preferred === 'wasm') {
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
      warn('The WASM backend did not start; training on the CPU backend instead (much slower).');
    } catch (error) {
      warn(`The WASM backend failed (${(error as Error).message}); training on the CPU backend instead (much slower).`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}
