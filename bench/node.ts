// Node half of `npm run bench`, on the CLI's backend (WASM, or CPU when asked).
import { availableParallelism } from 'node:os';
import { useNodeBackend, type NodeBackend } from '../cli/backend';
import { measureAll, type BenchResult } from './measure';

export async function runNodeBench(backend: NodeBackend, updates: number): Promise<BenchResult> {
  const active = await useNodeBackend(backend, (line) => console.error(line));
  return measureAll(active, updates, availableParallelism());
}
