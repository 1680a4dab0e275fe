import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

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
  /** Without cross-origin isolation WASM runs on one thread. */
  crossOriginIsolated: boolean;
}

// tfjs-backend-wasm builds its pthread workers from the factory's source text (Function.toString),
// which breaks once a bundler minifies it ("e is not defined", tensorflow/tfjs#4107). Single-threaded
// SIMD also measured as fast or faster than threaded on the 2-core machines we target
// (../shared/PERF-NOTES.md), so threads stay off.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
});

/**
 * Starts a tfjs backend. `auto` prefers WebGPU on a real GPU; on a software adapter WebGPU is ~50×
 * slower than WASM (../shared/PERF-NOTES.md), so auto then takes WASM, then WebGL, then CPU.
 * A forced backend that fails falls back the same way, and the failure is reported.
 */
export async function startBackend(requested: BackendChoice): Promise<BackendInfo> {
  const gpu = await probeAdapter();
  const failures: BackendInfo['failures'] = [];
  const order: Backend[] = requested === 'auto' ? ['webgpu', 'wasm', 'webgl', 'cpu'] : [requested, ...(['wasm', 'webgl', 'cpu'] as const).filter((b) => b !== requested)];

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
      reason: explain(backend, requested, failures),
      adapter: gpu.adapter,
      softwareAdapter: gpu.software,
      failures,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    };
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
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

function explain(backend: Backend, requested: BackendChoice, failures: BackendInfo['failures']): string {
  if (requested === backend) return `${backend} as requested`;
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
      Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter) || /swiftshader|llvmpipe|software/i.test(name);
    return { adapter: name, software, reason: '' };
  } catch (error) {
    return { adapter: null, software: false, reason: `requesting an adapter failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
