import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, TFJS_BACKEND_OF, type BackendName, type BackendRequest } from './backend-name.js';
import { activateCpu } from './backends/cpu.js';
import type { BackendLoaderOptions } from './backends/loader-options.js';
import { activateTensorflow, activateTensorflowGpu } from './backends/tensorflow-node.js';
import { activateWasm } from './backends/wasm.js';
import { activateWebGpu } from './backends/webgpu.js';
import { EngineError, firstLine } from './errors.js';
import { silentLogger, type EngineLogger } from './logger.js';

export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

export interface BackendSelection {
  /** What was asked for. */
  requested: BackendRequest;
  /** The backend now active (the project's name). */
  backend: BackendName;
  /** tfjs's name for it, as `tf.getBackend()` returns it. */
  tfBackend: string;
  /** Why this backend: how it was chosen and what it runs on. */
  reason: string;
  /** Backends `auto` tried before this one, each with why it was not used. Empty for a forced backend. */
  skipped: SkippedBackend[];
}

const ACTIVATORS: Record<BackendName, (options: BackendLoaderOptions) => Promise<string>> = {
  'tensorflow-gpu': () => activateTensorflowGpu(),
  webgpu: (o) => activateWebGpu(o.webgpu),
  tensorflow: () => activateTensorflow(),
  wasm: (o) => activateWasm(o.wasm),
  cpu: () => activateCpu(),
};

export interface ActivateBackendOptions extends BackendLoaderOptions {
  logger?: EngineLogger;
  /** Where the request came from, for error messages (e.g. 'DGM_OOD_BACKEND'). */
  source?: string;
}

/**
 * Loads and activates a backend (tf.setBackend). `auto` tries tensorflow-gpu, webgpu, tensorflow, wasm,
 * cpu in that order and takes the first that works; a forced backend that cannot work throws
 * DGM_ENGINE_BACKEND_UNAVAILABLE with the reason. May be called again to switch (tests, the
 * gradient-check suite); services call `initEngine` once instead.
 */
export async function activateBackend(request: BackendRequest, options: ActivateBackendOptions = {}): Promise<BackendSelection> {
  const logger = options.logger ?? silentLogger;
  if (request !== 'auto') {
    let detail: string;
    try {
      detail = await ACTIVATORS[request](options);
    } catch (error) {
      const source = options.source ?? 'backend option';
      throw new EngineError(
        'DGM_ENGINE_BACKEND_UNAVAILABLE',
        `backend "${request}" (requested by ${source}) cannot be used on this machine: ${firstLine(error)}`,
        { backend: request, source },
        { cause: error },
      );
    }
    const selection = { requested: request, backend: request, tfBackend: tf.getBackend(), reason: `forced: ${detail}`, skipped: [] };
    logger.info({ backend: request, tfBackend: selection.tfBackend, reason: selection.reason }, 'tfjs backend selected');
    return selection;
  }
  const skipped: SkippedBackend[] = [];
  for (const backend of BACKEND_NAMES) {
    try {
      const detail = await ACTIVATORS[backend](options);
      const selection: BackendSelection = {
        requested: 'auto',
        backend,
        tfBackend: TFJS_BACKEND_OF[backend],
        reason: `auto: first working backend in the order ${BACKEND_NAMES.join(' > ')}: ${detail}`,
        skipped,
      };
      logger.info({ backend, tfBackend: selection.tfBackend, reason: selection.reason, skipped }, 'tfjs backend selected');
      return selection;
    } catch (error) {
      skipped.push({ backend, reason: firstLine(error) });
    }
  }
  throw new EngineError(
    'DGM_ENGINE_BACKEND_UNAVAILABLE',
    `no tfjs backend works on this machine: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
    { source: options.source },
  );
}
