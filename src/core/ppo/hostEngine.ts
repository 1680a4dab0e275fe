import { KERNEL_LAYERS, TFJS_LAYERS, type LayerOps } from '../compute/layers';
import type { HostMemory } from '../compute/adamKernel';
import { HostAdam, HostWeights, type HostStorage } from './adam';
import type { RolloutBuffer } from './buffer';
import type { PpoConfig } from './config';
import type { EngineRollout, GradientEngine } from './engine';
import { createHostPasses } from './hostEncoder';
import { ColumnMlp, columnLayout } from './columnMlp';
import { pad4, type HostPasses } from './hostPasses';
import { hostMinibatch, type HostMinibatch } from './minibatch';
import { ppoLossGradient, type LossConfig } from './loss';
import type { ActorCritic, TrunkDropout } from './network';
import {
  CONTROL_BYTES,
  columnBackward,
  columnPhase,
  Phase,
  runPhase,
  spawnStepThread,
  splitRows,
  StepThreadPool,
  writeAdamArgs,
  type StepThreadHandle,
  type ThreadGrant,
} from './stepThreads';

/**
 * The gradient engine of the host backends (wasm, cpu) without tfjs: forward pass, PPO loss gradient
 * (loss.ts), backward pass and Adam, all over one WebAssembly memory the engine owns, on one thread
 * or split across step threads (stepThreads.ts): the MLP by columns (columnMlp.ts), attention
 * networks and odd widths by rows. The trainer's rollouts use its forward pass too (evaluate).
 *
 * Through tfjs a minibatch step is dozens of kernels, and XNNPACK repacks every weight matrix each
 * time (its packing is cached per tensor, and each step makes new tensors; docs/PERFORMANCE.md).
 * Here the passes (hostPasses.ts, and hostEncoder.ts for the attention encoder) run the products in
 * the SIMD kernel reading the weights where Adam keeps them and writing gradients where Adam reads
 * them. The variables are assigned once per update (storeWeights). Trunk dropout draws each hidden
 * layer's mask from the network's TrunkDropout in the order its tfjs pass draws them, whatever the
 * number of threads.
 */
export class HostEngine implements GradientEngine<HostMinibatch> {
  readonly kind: 'wasm-mlp' | 'wasm-attention';
  /** Products for tfjs forward passes of this network outside training (backtests, predictions); rollouts use evaluate(). */
  readonly layers: LayerOps;
  readonly ownsWeights = true;
  readonly optimizer: HostAdam;
  /** The threads this engine steps with, and why fewer than asked. */
  grant: ThreadGrant;
  private readonly weights: HostWeights;
  private readonly memory: HostMemory;
  /** Row blocks per thread (one thread, attention networks, odd widths)… */
  private readonly passes: HostPasses[] = [];
  /** …or the MLP split by columns across threads (columnMlp.ts). */
  private columns: ColumnMlp | null = null;
  private pool: StepThreadPool;
  private readonly starting: Promise<void>;
  private readonly numActions: number;
  /** Outputs of the value head: 1, or the quantiles. */
  private readonly criticWidth: number;
  private readonly dropout: TrunkDropout | null;
  private readonly obsSize: number;
  private readonly counts: Int32Array;
  /** The minibatch's observations before they are split between the threads (one thread: null, they go straight in). */
  private staging: Float32Array | null;

  /**
   * `maxBatch`: the largest minibatch step() will be given; `storage.simd` must hold. `grant.threads`
   * above 1 starts that many − 1 step threads (grantThreads decided they can run); await ready()
   * before the first step.
   */
  constructor(
    network: ActorCritic,
    learningRate: number,
    readonly maxBatch: number,
    storage: HostStorage,
    grant: ThreadGrant = { requested: 1, threads: 1, reason: null },
  ) {
    const { plan, spec } = network;
    const threads = grant.threads;
    this.grant = grant;
    const useColumns = threads > 1 && ColumnMlp.fits(plan);
    this.weights = new HostWeights(
      network.variables,
      { ...storage, shared: threads > 1 },
      useColumns ? columnLayout(plan, threads) : undefined,
    );
    const memory = this.weights.kernel.host;
    if (!memory) throw new RangeError('The WebAssembly engine needs WebAssembly SIMD.');
    this.memory = memory;
    this.numActions = spec.numActions;
    this.criticWidth = plan.heads[1].dense.units;
    this.dropout = network.dropout;
    this.kind = plan.encoder ? 'wasm-attention' : 'wasm-mlp';
    this.layers = plan.encoder ? KERNEL_LAYERS : TFJS_LAYERS;
    this.counts = new Int32Array(threads);

    const offsets = this.weights.offsets;
    const capacity = this.weights.kernel.capacity;
    const rowsPerThread = useColumns ? maxBatch : Math.ceil(maxBatch / threads / 4) * 4;
    const gradRegions = [memory.regionOffset(3)];
    const bases = [memory.reserve(0)];
    if (useColumns) {
      this.columns = new ColumnMlp(plan, offsets, memory, maxBatch, threads, 0);
      for (let t = 1; t < threads; t++) bases.push(bases[0]);
    } else {
      this.passes.push(createHostPasses(plan, offsets, memory, rowsPerThread, gradRegions[0]));
      for (let t = 1; t < threads; t++) {
        gradRegions.push(memory.reserve(capacity * 4));
        bases.push(memory.reserve(0));
        this.passes.push(createHostPasses(plan, offsets, memory, rowsPerThread, gradRegions[t]));
      }
    }
    this.obsSize = (this.columns ?? this.passes[0]).obsSize;
    this.staging = threads > 1 && !useColumns ? new Float32Array(maxBatch * this.obsSize) : null;

    const control = controlBlock(threads);
    const handles: StepThreadHandle[] = [];
    for (let t = 1; t < threads; t++) {
      handles.push(
        spawnStepThread({
          index: t,
          threads,
          mode: useColumns ? 'columns' : 'rows',
          memory: memory.shared as WebAssembly.Memory,
          control: control as SharedArrayBuffer,
          capacity,
          base: bases[t],
          gradRegions,
          plan,
          offsets: [...offsets],
          maxRows: rowsPerThread,
        }),
      );
    }
    this.pool = new StepThreadPool(threads, control, handles);
    const stepKernel = !(threads > 1)
      ? this.weights.kernel
      : useColumns
        ? {
            // Each thread left its columns' Σg² with its first layer's backward pass (columnBackward).
            sumOfSquares: () => {
              let sum = (this.columns as ColumnMlp).headSumOfSquares();
              for (let t = 0; t < threads; t++) sum += this.pool.partial(t);
              return sum;
            },
            step: (scale: number, beta1: number, beta2: number, stepSize: number, epsilon: number) => {
              writeAdamArgs(this.pool.args, scale, beta1, beta2, stepSize, epsilon);
              this.pool.run(Phase.ColumnAdam, () => (this.columns as ColumnMlp).adam(0, scale, beta1, beta2, stepSize, epsilon));
            },
          }
        : {
            sumOfSquares: () => {
              this.pool.run(Phase.Reduce, () => this.ownPhase(Phase.Reduce, gradRegions, capacity));
              let sum = 0;
              for (let t = 0; t < threads; t++) sum += this.pool.partial(t);
              return sum;
            },
            step: (scale: number, beta1: number, beta2: number, stepSize: number, epsilon: number) => {
              writeAdamArgs(this.pool.args, scale, beta1, beta2, stepSize, epsilon);
              this.pool.run(Phase.Adam, () => this.ownPhase(Phase.Adam, gradRegions, capacity));
            },
          };
    this.optimizer = new HostAdam(this.weights, learningRate, stepKernel);
    this.starting = Promise.all(handles.map((h) => h.ready)).then(
      () => undefined,
      (error: unknown) => {
        // The leader steps alone on passes for the whole minibatch; the other threads' regions stay unused.
        this.pool.dispose();
        this.pool = new StepThreadPool(1, controlBlock(1), []);
        this.columns = null;
        this.staging = null;
        this.weights.useLayout(new Map());
        this.passes.splice(0, this.passes.length, createHostPasses(plan, offsets, memory, maxBatch, memory.regionOffset(3)));
        this.optimizer.useKernel(this.weights.kernel);
        this.grant = {
          ...grant,
          threads: 1,
          reason: `the training threads could not start (${error instanceof Error ? error.message : String(error)})`,
        };
      },
    );
  }

  /** Settles when the step threads wait for work (or the engine fell back to one thread). */
  ready(): Promise<void> {
    return this.starting;
  }

  /** Minibatches whose observations are copied straight into the engine's memory. */
  rollout(buffer: RolloutBuffer, maskActions: boolean): EngineRollout<HostMinibatch> {
    return {
      minibatch: (rows, normalize) => hostMinibatch(buffer, rows, maskActions, normalize, this.observations(rows.length)),
      dispose() {},
    };
  }

  loadWeights(): void {
    this.weights.load();
  }

  storeWeights(): void {
    this.weights.store();
  }

  dispose(): void {
    this.pool.dispose();
    this.optimizer.dispose();
  }

  /** Where the minibatch's observations go, row after row: [rows × obsSize]. */
  private observations(rows: number): Float32Array {
    if (this.staging) return this.staging.subarray(0, rows * this.obsSize);
    const start = (this.columns ?? this.passes[0]).input / 4;
    return this.memory.heap().subarray(start, start + rows * this.obsSize);
  }

  /** Floats per row of evaluate()'s output: the logits, then the critic's outputs. */
  get outputWidth(): number {
    return this.numActions + this.criticWidth;
  }

  /**
   * The deterministic forward pass (no dropout) of `rows` observations [rows × obsSize] on the
   * engine's threads: row i's logits, then its critic outputs, at out[i · outputWidth …]. The
   * rollout's policy: one pass per env step, so the threads share its rows as they share a minibatch's.
   * Reads the weights region: call loadWeights() first if the variables may have been assigned since.
   */
  evaluate(obs: Float32Array, rows: number, out: Float32Array): void {
    if (this.columns) return this.evaluateColumns(this.columns, obs, rows, out);
    const { passes, counts, obsSize } = this;
    const threads = this.pool.threads;
    const width = this.outputWidth;
    const chunk = passes[0].maxRows * threads;
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      splitRows(n, threads, counts);
      let heap = this.memory.heap();
      for (let t = 0, row = start; t < threads; row += counts[t], t++)
        heap.set(obs.subarray(row * obsSize, (row + counts[t]) * obsSize), passes[t].input / 4);
      this.pool.setRows(counts, false);
      this.pool.run(Phase.Forward, () => passes[0].forward(counts[0], false));
      heap = this.memory.heap();
      for (let t = 0, row = start; t < threads; row += counts[t], t++) {
        const { output, outputStride } = passes[t];
        for (let i = 0; i < counts[t]; i++) {
          const from = output / 4 + i * outputStride;
          out.set(heap.subarray(from, from + width), (row + i) * width);
        }
      }
    }
  }

  private evaluateColumns(columns: ColumnMlp, obs: Float32Array, rows: number, out: Float32Array): void {
    const width = this.outputWidth;
    for (let start = 0; start < rows; start += columns.maxRows) {
      const n = Math.min(columns.maxRows, rows - start);
      this.memory.heap().set(obs.subarray(start * this.obsSize, (start + n) * this.obsSize), columns.input / 4);
      this.columnForward(columns, n, false);
      const heap = this.memory.heap();
      for (let i = 0; i < n; i++) {
        const from = columns.output / 4 + i * columns.outputStride;
        out.set(heap.subarray(from, from + width), (start + i) * width);
      }
    }
  }

  /** Every hidden layer on the threads' columns, then the head here. */
  private columnForward(columns: ColumnMlp, rows: number, train: boolean): void {
    columns.clearPadding(rows);
    this.counts.fill(rows);
    this.pool.setRows(this.counts, train);
    for (let l = 0; l < columns.hiddenCount; l++)
      this.pool.run(columnPhase(Phase.ColumnForward, l), () => columns.forward(l, rows, 0, train));
    columns.headForward(rows);
  }

  /** step() on the column split: the loss and the head here, the hidden layers' passes and Adam on every thread. */
  private columnStep(columns: ColumnMlp, batch: HostMinibatch, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): Float64Array {
    const b = batch.actions.length;
    if (this.dropout) for (let l = 0; l < columns.hiddenCount; l++) columns.drawMask(l, this.dropout, b);
    this.columnForward(columns, b, true);
    const block = { output: columns.output, outputGradient: columns.outputGradient, outputStride: columns.outputStride, rows: b };
    const stats = this.lossGradient(batch, [block], cfg);
    columns.headBackward(b);
    const top = columns.hiddenCount - 1;
    const args = this.pool.args;
    this.pool.run(columnPhase(Phase.ColumnBackward, top), () => columnBackward(columns, top, b, 0, args));
    for (let l = top; l >= 1; l--) {
      this.pool.run(columnPhase(Phase.ColumnReduceBackward, l), () => {
        columns.reduceInto(l, b, 0);
        columnBackward(columns, l - 1, b, 0, args);
      });
    }
    this.optimizer.apply(cfg.maxGradNorm);
    return stats;
  }

  private ownPhase(phase: Phase, gradRegions: readonly number[], capacity: number): void {
    runPhase(phase, 0, this.pool.threads, this.passes[0], this.memory, capacity, gradRegions, this.pool.control, this.pool.args);
  }

  /**
   * One gradient step on a minibatch from this engine's rollout(): the threads' forward passes over
   * their rows, the loss gradient here, their backward passes, the global-norm clip and Adam.
   * Returns LOSS_STATS.
   */
  step(batch: HostMinibatch, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): Float64Array {
    const b = batch.actions.length;
    if (b > this.maxBatch) throw new RangeError(`A minibatch of ${b} rows exceeds the engine's ${this.maxBatch}.`);
    if (this.columns) return this.columnStep(this.columns, batch, cfg);
    const { passes, counts, obsSize } = this;
    const threads = this.pool.threads;
    splitRows(b, threads, counts);
    const heap = this.memory.heap();
    if (this.staging) {
      for (let t = 0, row = 0; t < threads; row += counts[t], t++)
        heap.set(this.staging.subarray(row * obsSize, (row + counts[t]) * obsSize), passes[t].input / 4);
    }
    if (this.dropout) {
      for (let l = 0; l < passes[0].maskedLayers; l++)
        for (let t = 0; t < threads; t++) if (counts[t] > 0) passes[t].drawMask(l, this.dropout, counts[t]);
    }
    this.pool.setRows(counts, true);
    this.pool.run(Phase.Forward, () => passes[0].forward(counts[0], true));
    const blocks = passes
      .slice(0, threads)
      .map((p, t) => ({ output: p.output, outputGradient: p.outputGradient, outputStride: p.outputStride, rows: counts[t] }));
    const stats = this.lossGradient(batch, blocks, cfg);
    this.pool.run(Phase.Backward, () => passes[0].backward(counts[0]));
    this.optimizer.apply(cfg.maxGradNorm);
    return stats;
  }

  /**
   * The PPO loss over the minibatch's outputs, read from each block of rows in order, and its
   * gradient written back to each block (padding rows zero). Returns LOSS_STATS.
   */
  private lossGradient(batch: HostMinibatch, blocks: LossBlock[], cfg: LossConfig): Float64Array {
    const { numActions } = this;
    const b = batch.actions.length;
    const width = this.criticWidth;
    const logits = new Float32Array(b * numActions);
    const critic = new Float32Array(b * width);
    const dLogits = new Float32Array(b * numActions);
    const dCritic = new Float32Array(b * width);
    const heap = this.memory.heap();
    for (let t = 0, row = 0; t < blocks.length; row += blocks[t].rows, t++) {
      const { output, outputStride, rows } = blocks[t];
      for (let i = 0; i < rows; i++) {
        const at = output / 4 + i * outputStride;
        const r = row + i;
        for (let a = 0; a < numActions; a++) logits[r * numActions + a] = heap[at + a];
        for (let q = 0; q < width; q++) critic[r * width + q] = heap[at + numActions + q];
      }
    }
    const stats = ppoLossGradient(logits, critic, batch, cfg, dLogits, dCritic);
    for (let t = 0, row = 0; t < blocks.length; row += blocks[t].rows, t++) {
      const { outputGradient, outputStride, rows } = blocks[t];
      const dOut = outputGradient / 4;
      heap.fill(0, dOut, dOut + pad4(rows) * outputStride);
      for (let i = 0; i < rows; i++) {
        const at = dOut + i * outputStride;
        const r = row + i;
        for (let a = 0; a < numActions; a++) heap[at + a] = dLogits[r * numActions + a];
        for (let q = 0; q < width; q++) heap[at + numActions + q] = dCritic[r * width + q];
      }
    }
    return stats;
  }
}

/** A block of minibatch rows whose head outputs the loss reads, and where their gradient goes. */
interface LossBlock {
  output: number;
  outputGradient: number;
  outputStride: number;
  rows: number;
}

/** Shared between the threads; one thread needs no SharedArrayBuffer, which a page may lack. */
function controlBlock(threads: number): ArrayBufferLike {
  return threads > 1 ? new SharedArrayBuffer(CONTROL_BYTES) : new ArrayBuffer(CONTROL_BYTES);
}
