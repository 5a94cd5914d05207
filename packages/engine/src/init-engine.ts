import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
// A subpath, not the root: the engine has no use for config's logger (pino).
import { loadSetting } from '@dgm-ood/config/env';
import { parseBackendRequest, type BackendName, type BackendRequest } from './backend-name.js';
import type { BackendLoaderOptions } from './backends/loader-options.js';
import { EngineError } from './errors.js';
import { GEMM_MODES, WEBGPU_GEMM_FLAG } from './kernels/webgpu/gemm-tiling.js';
import { OWN_WEBGPU_KERNELS_FLAG } from './kernels/webgpu/own-kernels-flag.js';
import { stderrLogger, type EngineLogger } from './logger.js';
import { activateBackend, type BackendSelection, type SkippedBackend } from './select-backend.js';

export interface InitEngineOptions extends BackendLoaderOptions {
  /**
   * auto | tensorflow-gpu | webgpu | tensorflow | wasm | cpu. Default: DGM_OOD_BACKEND as the config module
   * reads it (process env over .env), else auto. Services pass `loadConfig().backend` (@dgm-ood/config).
   */
  backend?: string;
  /** Where the choice is logged (one info line with the reason and the skipped backends). Default: stderr. */
  logger?: EngineLogger;
  /** The engine's own WebGPU kernels on webgpu (default: DGM_OOD_OWN_WEBGPU_KERNELS, else on). */
  ownWebGpuKernels?: boolean;
  /** The GEMM behind matMul and conv2d on webgpu: auto, stock or a tiling's name (default: DGM_OOD_WEBGPU_GEMM, else auto). */
  webGpuGemm?: string;
}

export interface Engine {
  /** The tfjs namespace, with every gradient registered; the same module instance as `import * as tf from '@tensorflow/tfjs'`. */
  tf: typeof tf;
  requested: BackendRequest;
  backend: BackendName;
  tfBackend: string;
  reason: string;
  skipped: SkippedBackend[];
}

let current: { requested: BackendRequest; engine: Promise<Engine> } | undefined;

/**
 * Chooses and initialises the process's tfjs backend, once. Call it (and await it) before any tensor
 * work; afterwards use the returned `tf` or `import * as tf from '@tensorflow/tfjs'` — the same object.
 *
 * Idempotent: later calls with no backend, `auto`, or the backend already chosen return the same
 * Engine; a later call asking for a different backend throws DGM_ENGINE_ALREADY_INITIALISED (switching
 * backends moves every live tensor — tests that need it use `activateBackend`). A failed call can be
 * retried. Also turns on tfjs's production mode, which silences its console chatter (the "install
 * tfjs-node" banner); the chosen backend and the reasons are logged through `logger` instead.
 *
 * On wasm, large convolutions and products use min(2, cores) threads unless `wasm.threads` or
 * DGM_OOD_WASM_THREADS says otherwise (`activateBackend` defaults to 1).
 */
export async function initEngine(options: InitEngineOptions = {}): Promise<Engine> {
  const source = options.backend !== undefined ? 'initEngine({ backend })' : 'DGM_OOD_BACKEND';
  const requested = parseBackendRequest(options.backend ?? configuredBackend(), source);
  if (current !== undefined) {
    const previous = current;
    const engine = await previous.engine;
    if (requested === 'auto' || requested === engine.backend) return engine;
    throw new EngineError(
      'DGM_ENGINE_ALREADY_INITIALISED',
      `${source} asks for backend "${requested}", but this process already runs on "${engine.backend}" (requested ${previous.requested}); choose the backend once, before any tensor work`,
      { backend: requested, source },
    );
  }
  tf.enableProdMode();
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, options.ownWebGpuKernels ?? loadSetting('DGM_OOD_OWN_WEBGPU_KERNELS') === 'on');
  const gemm = options.webGpuGemm ?? loadSetting('DGM_OOD_WEBGPU_GEMM');
  if (!GEMM_MODES.includes(gemm)) {
    throw new EngineError('DGM_ENGINE_INVALID_ARGUMENT', `initEngine({ webGpuGemm }): unknown value "${gemm}" (expected ${GEMM_MODES.join(', ')})`, { source: 'initEngine({ webGpuGemm })' });
  }
  tf.env().set(WEBGPU_GEMM_FLAG, gemm);
  // Services get the multi-threaded wasm kernels by default (PyTorch, the reference, uses the cores
  // too); DGM_OOD_WASM_THREADS=1 turns them off where several workers share a machine.
  const threads = options.wasm?.threads ?? loadSetting('DGM_OOD_WASM_THREADS') ?? Math.min(2, availableParallelism());
  const wasm = { ...options.wasm, threads };
  const attempt = activateBackend(requested, { ...options, wasm, source, logger: options.logger ?? stderrLogger }).then(
    (selection: BackendSelection): Engine => ({ tf, ...selection }),
  );
  current = { requested, engine: attempt };
  try {
    return await attempt;
  } catch (error) {
    current = undefined;
    throw error;
  }
}

/**
 * DGM_OOD_BACKEND through the config module (process env over .env, validated there). An invalid value stays
 * the engine's unknown-backend error, naming the variable, as when the option is invalid.
 */
function configuredBackend(): string {
  try {
    return loadSetting('DGM_OOD_BACKEND');
  } catch (error) {
    if (!(error as { variables?: string[] }).variables?.includes('DGM_OOD_BACKEND')) throw error;
    throw new EngineError('DGM_ENGINE_UNKNOWN_BACKEND', (error as Error).message, { source: 'DGM_OOD_BACKEND' }, { cause: error });
  }
}

/** The Engine chosen by `initEngine`, or undefined before it finished. */
export async function currentEngine(): Promise<Engine | undefined> {
  try {
    return await current?.engine;
  } catch {
    return undefined;
  }
}
