import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSetting } from '@dgm-ood/config/env';
import { EngineError } from '../errors.js';
import { convHelperThreads, startConvHelpers, stopConvHelpers } from '../kernels/parallel-conv.js';
import { registerWasmKernels } from '../kernels/register-wasm-kernels.js';
import { setTfBackend } from './activate.js';
import type { WasmOptions } from './loader-options.js';

/** The installed tfjs-backend-wasm's `dist/` folder, which holds its `.wasm` binaries. */
export function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

/**
 * Threads for large convolutions: the option, else DGM_OOD_WASM_THREADS as the config module reads and
 * validates it (`env` replaces the process environment and the .env file, for tests), else 1.
 */
export function wasmThreads(option: number | undefined, env?: NodeJS.ProcessEnv): number {
  if (option === undefined) return loadSetting('DGM_OOD_WASM_THREADS', env ? { env, envFile: false } : {}) ?? 1;
  if (!Number.isInteger(option) || option < 1 || option > 64) {
    throw new EngineError('DGM_ENGINE_INVALID_ARGUMENT', `wasm.threads option: expected an integer from 1 to 64, got ${JSON.stringify(option)}`, { source: 'wasm.threads option' });
  }
  return option;
}

/** `wasm`: tfjs-backend-wasm (XNNPACK, SIMD, one thread in Node) plus the project's kernels. */
/**
 * Emscripten's Node glue adds process 'uncaughtException'/'unhandledRejection' handlers that rethrow,
 * which makes Node print the whole minified module source with every crash. Remove the handlers that
 * appeared while `body` ran (tfjs itself only removes them when the backend is disposed).
 */
async function withoutEmscriptenProcessHandlers<T>(body: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  type Listener = (...args: unknown[]) => void;
  const listeners = (e: (typeof events)[number]) => process.listeners(e as 'uncaughtException') as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await body();
  } finally {
    for (const e of events) {
      for (const listener of listeners(e)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
      }
    }
  }
}

export async function activateWasm(options: WasmOptions = {}): Promise<string> {
  return withoutEmscriptenProcessHandlers(() => activate(options));
}

async function activate(options: WasmOptions): Promise<string> {
  const mod = await import('@tensorflow/tfjs-backend-wasm');
  const dir = options.wasmDir ?? defaultWasmDir();
  const missing = WASM_BINARIES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) throw new Error(`wasm binaries missing in ${dir}: ${missing.join(', ')}`);
  if (tf.findBackend('wasm') === null) {
    // Local files only: nothing is fetched. Must precede the backend's initialisation.
    mod.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  }
  const threads = wasmThreads(options.threads);
  await setTfBackend('wasm');
  const kernels = registerWasmKernels();
  // The latest activation decides the thread count (helpers are per process).
  if (convHelperThreads() > threads - 1) await stopConvHelpers();
  if (threads > 1) await startConvHelpers(threads - 1, dir);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threading = convHelperThreads() > 0 ? `${convHelperThreads() + 1} threads for large convs` : '1 thread';
  return `tfjs-backend-wasm (XNNPACK${simd ? ', SIMD' : ', no SIMD'}, ${threading}) from ${dir}; project kernels: ${kernels
    .map((k) => `${k.kernelName} (${k.action})`)
    .join(', ')}`;
}
