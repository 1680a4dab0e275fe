import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { fastest, measureGradientStep } from '../src/core/ppo/calibrate';
import { grantThreads } from '../src/core/ppo/stepThreads';
import { matMulKernel } from '../src/core/compute/matMulKernel';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
type Backend = Exclude<BackendChoice, 'auto'>;

export interface BackendInfo {
  /** The tfjs backend that runs. */
  name: Backend;
  requested: BackendChoice;
  /** Why this backend, in a sentence the badge shows. */
  reason: string;
  /** WebGPU adapter, when WebGPU was probed. */
  adapter: string | null;
  /** True when the WebGPU adapter is a software one (e.g. SwiftShader). */
  softwareAdapter: boolean;
  /** Backends tried before this one and why each did not run. */
  failures: { backend: Backend; reason: string }[];
  crossOriginIsolated: boolean;
  /** Threads a run's gradient step can use on this backend (every logical core), or 1 and why (the header's badge says it). */
  threads: { available: number; reason: string | null };
  /** What `auto` measured when it had more than one fast candidate (kept by the UI to skip re-measuring). */
  calibration: Calibration | null;
}

/** Gradient-step samples/s per candidate backend on one device and browser, and the winner. */
export interface Calibration {
  /** Adapter, core count and browser: a cached calibration only applies where all three match. */
  device: string;
  rates: Partial<Record<Backend, number>>;
  best: Backend;
  measuredAt: string;
}

// tfjs-backend-wasm builds its pthread workers from the factory's source text (Function.toString),
// which breaks once a bundler minifies it ("e is not defined", tensorflow/tfjs#4107); unminified, the
// threaded backend never finished starting in a worker (Chromium 156, tfjs 4.22). So tfjs's own
// threads stay off; training's threads are ours (src/core/ppo/stepThreads.ts, workers/stepThreads.ts).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

/**
 * Starts a tfjs backend. `auto` considers WebGPU only on a real GPU: on a software adapter it is ~50×
 * slower than WASM (README, Performance). With a real GPU it times one PPO gradient step on
 * WebGPU and on WASM (under a second) and keeps the faster — small networks can run faster on a CPU
 * than on an integrated GPU — unless `cached` already holds that measurement for this device.
 * Otherwise the order is WASM, WebGL, CPU. A forced backend that fails falls back the same way, and
 * the failure is reported.
 */
export async function startBackend(requested: BackendChoice, cached: Calibration | null = null): Promise<BackendInfo> {
  const gpu = await probeAdapter();
  const failures: BackendInfo['failures'] = [];
  let calibration: Calibration | null = null;
  let order: Backend[] =
    requested === 'auto'
      ? ['webgpu', 'wasm', 'webgl', 'cpu']
      : [requested, ...(['wasm', 'webgl', 'cpu'] as const).filter((b) => b !== requested)];
  if (requested === 'auto' && gpu.adapter && !gpu.software) {
    const device = deviceKey(gpu.adapter);
    const usable = cached !== null && cached.device === device && (cached.best === 'webgpu' || cached.best === 'wasm');
    calibration = usable ? cached : await calibrate(device, ['webgpu', 'wasm'], failures);
    if (calibration) order = [calibration.best, ...order.filter((b) => b !== calibration!.best)];
  }

  for (const backend of order) {
    if (backend === 'webgpu') {
      if (!gpu.adapter) {
        failures.push({ backend, reason: gpu.reason });
        continue;
      }
      if (requested === 'auto' && gpu.software) {
        failures.push({ backend, reason: `the adapter (${gpu.adapter}) is a software renderer, far slower than WASM here` });
        continue;
      }
    }
    const started = await trySetBackend(backend);
    if (started !== true) {
      failures.push({ backend, reason: started });
      continue;
    }
    return {
      name: backend,
      requested,
      reason: explain(backend, requested, failures, calibration),
      adapter: gpu.adapter,
      softwareAdapter: gpu.software,
      failures,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      threads: threadSupport(backend),
      calibration,
    };
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

function threadSupport(backend: Backend): BackendInfo['threads'] {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const grant = grantThreads(cores, backend, matMulKernel() !== null);
  return { available: grant.threads, reason: grant.reason };
}

async function trySetBackend(backend: Backend): Promise<true | string> {
  try {
    if (!(await tf.setBackend(backend))) return 'it did not initialise';
    await tf.ready();
    // A first kernel proves the backend can run, not just register (WebGPU device creation can fail late).
    const probe = tf.tidy(() => tf.sum(tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]))));
    const value = (await probe.data())[0];
    probe.dispose();
    return value === 64 ? true : `a test computation gave ${value} instead of 64`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Measurements from an older calibration step (before the WASM gradient step left tfjs) are not comparable. */
const CALIBRATION_VERSION = 2;

function deviceKey(adapter: string): string {
  const nav = globalThis.navigator as Navigator | undefined;
  return `v${CALIBRATION_VERSION} | ${adapter} | ${nav?.hardwareConcurrency ?? '?'} cores | ${nav?.userAgent ?? 'unknown browser'}`;
}

/** Times a gradient step on each candidate that starts; null when fewer than one could be measured. */
async function calibrate(device: string, candidates: Backend[], failures: BackendInfo['failures']): Promise<Calibration | null> {
  const rates: Partial<Record<Backend, number>> = {};
  for (const backend of candidates) {
    const started = await trySetBackend(backend);
    if (started !== true) {
      failures.push({ backend, reason: started });
      continue;
    }
    try {
      rates[backend] = await measureGradientStep(300);
    } catch (error) {
      failures.push({ backend, reason: `its calibration step failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  const best = fastest(rates);
  return best ? { device, rates, best, measuredAt: new Date().toISOString() } : null;
}

function explain(backend: Backend, requested: BackendChoice, failures: BackendInfo['failures'], calibration: Calibration | null): string {
  if (requested === backend) return `${backend} as requested`;
  if (requested === 'auto' && calibration?.best === backend) {
    const rates = Object.entries(calibration.rates)
      .map(([b, r]) => `${b} ${Math.round(r as number).toLocaleString('en-US')}`)
      .join(', ');
    return `auto: fastest measured on this device (samples/s of a training step: ${rates})`;
  }
  const why = failures.map((f) => `${f.backend}: ${f.reason}`).join('; ');
  if (requested === 'auto') return failures.length ? `auto: ${why}` : `auto: ${backend} is the fastest available`;
  return `${requested} failed (${why}); fell back to ${backend}`;
}

export async function probeAdapter(): Promise<{ adapter: string | null; software: boolean; reason: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { adapter: null, software: false, reason: 'this browser does not expose WebGPU' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapter: null, software: false, reason: 'no WebGPU adapter was granted' };
    // GPUAdapter.info is newer than these typings; isFallbackAdapter moved onto it in recent Chrome.
    const info: Partial<Record<'vendor' | 'architecture' | 'description', string>> & { isFallbackAdapter?: boolean } =
      (adapter as GPUAdapter & { info?: object }).info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
    const software =
      Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter) ||
      /swiftshader|llvmpipe|software/i.test(name);
    return { adapter: name, software, reason: '' };
  } catch (error) {
    return {
      adapter: null,
      software: false,
      reason: `requesting an adapter failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
