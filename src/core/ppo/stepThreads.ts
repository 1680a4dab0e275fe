import { attachSharedMemory, type HostMemory } from '../compute/adamKernel';
import { createHostPasses } from './hostEncoder';
import { ColumnMlp } from './columnMlp';
import type { HostPasses } from './hostPasses';
import type { LayerPlan } from './layerPlan';

/**
 * Threads for the host gradient step and the rollout's forward passes, over one shared WebAssembly
 * memory. The leader (the trainer's thread) is thread 0; it computes the PPO loss between the
 * passes, so the loss, its statistics and the dropout masks are the one-thread step's. Two splits:
 *
 * - The MLP by columns (columnMlp.ts): each thread owns a slice of every hidden layer's units for all
 *   rows, so weights, gradients and Adam moments never move between cores.
 * - Attention networks, and MLPs whose hidden widths are not multiples of 4, by rows: thread t runs
 *   the passes (hostPasses.ts, hostEncoder.ts) over its block of the minibatch into its own gradient
 *   region; the blocks' gradients are summed and Adam steps each thread's slice of the parameters.
 *   The encoder's step is compute-bound (~31 ms per minibatch), so moving its few weights costs little.
 *
 * Either way each output's arithmetic sums in the one-thread order except where partial sums from
 * different threads are added: the same seed trains the same up to floating-point noise.
 *
 * Why not N rollout workers feeding one learner: on the default config the update is ~85 % of a run
 * and PPO must finish one before starting the other, so workers that only collect would leave the
 * update on one core.
 *
 * Threads wait on Atomics (spinning briefly first: a phase is tens of microseconds to milliseconds
 * and a wake-up from Atomics.wait costs tens of microseconds); the memory and the control block are
 * shared, nothing is posted per step. The environment's adapter starts them (cli/stepThreads.ts,
 * workers/stepThreads.ts) and registers itself here; core code never names worker_threads or Worker.
 */

/** What a step thread is started with: all structured-clonable. */
export interface StepThreadInit {
  /** 1 … threads − 1; the leader is 0. */
  index: number;
  threads: number;
  /** Row blocks per thread (hostPasses.ts, hostEncoder.ts) or the MLP's columns (columnMlp.ts). */
  mode: 'rows' | 'columns';
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** Floats per region of the Adam kernel's memory. */
  capacity: number;
  /** Where this thread's layout starts: the leader reserved it, the thread reproduces it. */
  base: number;
  /** Where each thread writes its gradients: region 3 for the leader, a region of its own for the others. */
  gradRegions: number[];
  plan: LayerPlan;
  offsets: number[];
  maxRows: number;
}

export interface StepThreadHandle {
  /** Settles when the thread has built its passes and waits for work; rejects if it could not start. */
  ready: Promise<void>;
  terminate(): void;
}

/** Starts one step thread running runStepThread(init) in this environment. */
export type StepThreadSpawner = (init: StepThreadInit) => StepThreadHandle;

let spawner: StepThreadSpawner | null = null;

/** Called once by the environment (the CLI, the lab worker) that can start threads. */
export function registerStepThreadSpawner(spawn: StepThreadSpawner | null): void {
  spawner = spawn;
}

/** How many threads a run gets, and why fewer than asked. */
export interface ThreadGrant {
  requested: number;
  threads: number;
  /** Why threads < requested; null when granted in full. */
  reason: string | null;
}

/** The threads a run may use here: all it asks for, or one with the reason. */
export function grantThreads(requested: number, backend: string, simd: boolean): ThreadGrant {
  const one = (reason: string): ThreadGrant => ({ requested, threads: 1, reason });
  if (requested <= 1) return { requested, threads: 1, reason: null };
  if (backend !== 'wasm' && backend !== 'cpu')
    return one(`the ${backend} backend computes on its own device; threads split the WebAssembly step`);
  if (!simd) return one('this WebAssembly has no SIMD, which the threaded step needs');
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined')
    return one('SharedArrayBuffer is missing (the page is not cross-origin isolated)');
  if (!spawner) return one('this environment cannot start threads');
  return { requested, threads: requested, reason: null };
}

export function spawnStepThread(init: StepThreadInit): StepThreadHandle {
  if (!spawner) throw new Error('No step-thread spawner is registered.');
  return spawner(init);
}

export const enum Phase {
  Forward = 1,
  Backward = 2,
  Reduce = 3,
  Adam = 4,
  Exit = 5,
  /** The column split (columnMlp.ts): Adam over each thread's columns. */
  ColumnAdam = 7,
  /** Plus the hidden layer's index (columnPhase; at most 32 layers, far above the config's limit): that layer's columns forward… */
  ColumnForward = 16,
  /** …its columns' gradients and partial input gradients… */
  ColumnBackward = 48,
  /** …or the partials of layer l summed into layer l − 1's columns, then layer l − 1's backward. */
  ColumnReduceBackward = 80,
}

/** The phase of hidden layer `layer` in a column-split step. */
export function columnPhase(base: Phase, layer: number): Phase {
  return (base + layer) as Phase;
}

/** Int32 slots of the control block. */
const GENERATION = 0;
const PHASE = 1;
const DONE = 2;
const TRAIN = 3;
const FAILED = 4;
const ROWS = 16;
/** Float64 slots, from byte 512: Adam's arguments, then each thread's partial Σg². */
const F64_BYTE = 512;
const ARGS = 0;
const PARTIALS = 8;
export const MAX_THREADS = 64;
export const CONTROL_BYTES = F64_BYTE + (PARTIALS + MAX_THREADS) * 8;

const SPINS = 20_000;
const STALL_MS = 60_000;

/** The part of [0, capacity) floats thread t reduces and steps: slices of whole SIMD lanes. */
export function sliceOf(t: number, threads: number, capacity: number): [number, number] {
  const lanes = capacity / 4;
  const per = Math.ceil(lanes / threads);
  return [Math.min(capacity, t * per * 4), Math.min(capacity, (t + 1) * per * 4)];
}

/** Rows of a b-row minibatch per thread: blocks of whole SIMD rows, the first threads the fullest. */
export function splitRows(b: number, threads: number, counts: Int32Array): void {
  const per = Math.ceil(b / threads / 4) * 4;
  let left = b;
  for (let t = 0; t < threads; t++) {
    counts[t] = Math.min(per, left);
    left -= counts[t];
  }
}

/** The leader's side: runs a phase on every thread, its own share included, and waits for all. */
export class StepThreadPool {
  readonly control: Int32Array;
  readonly args: Float64Array;

  constructor(
    readonly threads: number,
    controlBuffer: ArrayBufferLike,
    private readonly handles: StepThreadHandle[],
  ) {
    this.control = new Int32Array(controlBuffer, 0, F64_BYTE / 4);
    this.args = new Float64Array(controlBuffer, F64_BYTE, PARTIALS + MAX_THREADS);
  }

  setRows(counts: Int32Array, train: boolean): void {
    for (let t = 0; t < this.threads; t++) this.control[ROWS + t] = counts[t];
    this.control[TRAIN] = train ? 1 : 0;
  }

  partial(t: number): number {
    return this.args[PARTIALS + t];
  }

  /** Runs `phase` on threads 1…N−1 and `own` here, then waits for them. */
  run(phase: Phase, own: () => void): void {
    const c = this.control;
    if (this.threads === 1) {
      own();
      return;
    }
    Atomics.store(c, DONE, 0);
    Atomics.store(c, PHASE, phase);
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    own();
    const others = this.threads - 1;
    let spins = 0;
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done >= others) break;
      if (++spins < SPINS) continue;
      Atomics.wait(c, DONE, done, 1000);
      if (Date.now() - started > STALL_MS) throw new Error('A training thread stopped answering; start the run again with one thread.');
    }
    if (Atomics.load(c, FAILED) !== 0) throw new Error('A training thread failed; start the run again with one thread.');
  }

  dispose(): void {
    if (this.threads > 1) {
      Atomics.store(this.control, PHASE, Phase.Exit);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
    }
    for (const h of this.handles) h.terminate();
  }
}

/** Thread t's work in a column-split step (the leader runs its own share inline, see HostEngine). */
function runColumnPhase(phase: Phase, t: number, columns: ColumnMlp, control: Int32Array, args: Float64Array): void {
  const rows = control[ROWS + t];
  if (phase === Phase.ColumnAdam) {
    const [scale, beta1, beta2, stepSize, epsilon] = args.subarray(ARGS, ARGS + 5);
    columns.adam(t, scale, beta1, beta2, stepSize, epsilon);
  } else if (phase >= Phase.ColumnReduceBackward) {
    const l = phase - Phase.ColumnReduceBackward;
    columns.reduceInto(l, rows, t);
    columnBackward(columns, l - 1, rows, t, args);
  } else if (phase >= Phase.ColumnBackward) {
    columnBackward(columns, phase - Phase.ColumnBackward, rows, t, args);
  } else if (phase >= Phase.ColumnForward) {
    columns.forward(phase - Phase.ColumnForward, rows, t, control[TRAIN] === 1);
  }
}

/**
 * Layer l's backward on thread t's columns; after the first layer's, the thread's gradients are
 * complete, so it leaves their Σg² for the clip at once: no phase of its own.
 */
export function columnBackward(columns: ColumnMlp, l: number, rows: number, t: number, args: Float64Array): void {
  columns.backward(l, rows, t);
  if (l === 0) args[PARTIALS + t] = columns.sumOfSquares(t);
}

/** Adam's arguments as the leader writes them for the Adam phase. */
export function writeAdamArgs(args: Float64Array, scale: number, beta1: number, beta2: number, stepSize: number, epsilon: number): void {
  args.set([scale, beta1, beta2, stepSize, epsilon], ARGS);
}

/**
 * Thread t's work for each phase, shared by the leader (t = 0) and the step threads: Forward and
 * Backward over the thread's rows; Reduce sums the other threads' gradients into region 3 over the
 * thread's parameter slice and leaves that slice's Σg²; Adam steps the slice.
 */
export function runPhase(
  phase: Phase,
  t: number,
  threads: number,
  passes: HostPasses,
  memory: HostMemory,
  capacity: number,
  gradRegions: readonly number[],
  control: Int32Array,
  args: Float64Array,
): void {
  const rows = control[ROWS + t];
  switch (phase) {
    case Phase.Forward:
      if (rows > 0) passes.forward(rows, control[TRAIN] === 1);
      return;
    case Phase.Backward:
      if (rows > 0) passes.backward(rows);
      return;
    case Phase.Reduce: {
      const [lo, hi] = sliceOf(t, threads, capacity);
      const into = memory.regionOffset(3) + lo * 4;
      for (let s = 1; s < threads; s++) if (control[ROWS + s] > 0) memory.kernels.addInto(into, gradRegions[s] + lo * 4, hi - lo);
      args[PARTIALS + t] = hi > lo ? memory.kernels.sumsq(into, hi - lo) : 0;
      return;
    }
    case Phase.Adam: {
      const [lo, hi] = sliceOf(t, threads, capacity);
      if (hi <= lo) return;
      const [scale, beta1, beta2, stepSize, epsilon] = args.subarray(ARGS, ARGS + 5);
      const at = (r: 0 | 1 | 2 | 3) => memory.regionOffset(r) + lo * 4;
      memory.kernels.adam(at(0), at(1), at(2), at(3), hi - lo, scale, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, epsilon);
      return;
    }
    case Phase.Exit:
      return;
  }
}

/**
 * A step thread's life: attach to the shared memory, rebuild its passes from the plan (the same
 * reservations the leader made for it), say ready, then run phases until told to exit.
 */
export function runStepThread(init: StepThreadInit, ready: () => void): void {
  const memory = attachSharedMemory(init.memory, init.capacity, init.base);
  const control = new Int32Array(init.control, 0, F64_BYTE / 4);
  const args = new Float64Array(init.control, F64_BYTE, PARTIALS + MAX_THREADS);
  let run: (phase: Phase) => void;
  if (init.mode === 'columns') {
    const columns = new ColumnMlp(init.plan, init.offsets, memory, init.maxRows, init.threads, init.index);
    run = (phase) => runColumnPhase(phase, init.index, columns, control, args);
  } else {
    const passes = createHostPasses(init.plan, init.offsets, memory, init.maxRows, init.gradRegions[init.index]);
    run = (phase) => runPhase(phase, init.index, init.threads, passes, memory, init.capacity, init.gradRegions, control, args);
  }
  // Read before saying ready: the leader may start the first phase as soon as it hears.
  let seen = Atomics.load(control, GENERATION);
  ready();
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, GENERATION) === seen) {
      if (++spins > SPINS) Atomics.wait(control, GENERATION, seen);
    }
    seen = Atomics.load(control, GENERATION);
    const phase = Atomics.load(control, PHASE) as Phase;
    if (phase === Phase.Exit) return;
    try {
      run(phase);
    } catch (error) {
      Atomics.store(control, FAILED, 1);
      console.error(error);
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
