import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, type BackendName } from './backend-name.js';
import { probeWebGpu } from './backends/webgpu.js';
import { EngineError } from './errors.js';
import type { EngineLogger } from './logger.js';
import { activateBackend } from './select-backend.js';

function recordingLogger(): EngineLogger & { lines: Array<{ obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  return { lines, info: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }), warn: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) };
}

async function fails(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

// What this machine offers, found independently of the code under test.
const machine = { tfjsNode: false, tfjsNodeGpu: false, hardwareWebGpu: false };

beforeAll(async () => {
  tf.enableProdMode();
  const loads = async (pkg: string) =>
    import(/* @vite-ignore */ pkg).then(
      () => true,
      () => false,
    );
  machine.tfjsNodeGpu = await loads('@tensorflow/tfjs-node-gpu');
  machine.tfjsNode = await loads('@tensorflow/tfjs-node');
  machine.hardwareWebGpu = await probeWebGpu().then(
    () => true,
    () => false,
  );
});

describe('activateBackend auto', () => {
  it('takes the first working backend in order and says why it skipped each earlier one', async () => {
    const logger = recordingLogger();
    const selection = await activateBackend('auto', { logger });
    const index = BACKEND_NAMES.indexOf(selection.backend);
    expect(selection.skipped.map((s) => s.backend)).toEqual(BACKEND_NAMES.slice(0, index));
    for (const s of selection.skipped) expect(s.reason.length).toBeGreaterThan(10);
    expect(selection.reason).toMatch(/^auto: /);
    expect(tf.getBackend()).toBe(selection.tfBackend);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.obj).toMatchObject({ backend: selection.backend, skipped: selection.skipped });

    if (!machine.tfjsNodeGpu && !machine.tfjsNode && !machine.hardwareWebGpu) {
      // A CPU machine without the native TensorFlow binding (ours): wasm, with the reasons.
      expect(selection.backend).toBe('wasm');
      const reasons = Object.fromEntries(selection.skipped.map((s) => [s.backend, s.reason]));
      expect(reasons['tensorflow-gpu']).toMatch(/tfjs-node-gpu/);
      expect(reasons.webgpu).toMatch(/adapter|CPU renderer/);
      expect(reasons.tensorflow).toMatch(/tfjs-node/);
      expect(selection.reason).toMatch(/XNNPACK/);
      expect(selection.reason).toMatch(/Conv2DBackpropFilter \(added\)/);
    }
  });
});

describe('activateBackend forced', () => {
  const usable: Record<BackendName, () => boolean> = {
    'tensorflow-gpu': () => machine.tfjsNodeGpu,
    webgpu: () => machine.hardwareWebGpu,
    tensorflow: () => machine.tfjsNode || machine.tfjsNodeGpu,
    wasm: () => true,
    cpu: () => true,
  };

  for (const backend of BACKEND_NAMES) {
    it(`${backend}: works here or fails with DGM_ENGINE_BACKEND_UNAVAILABLE naming it and the reason`, async () => {
      if (usable[backend]()) {
        const selection = await activateBackend(backend, { source: 'DGM_OOD_BACKEND' });
        expect(selection.backend).toBe(backend);
        expect(selection.skipped).toEqual([]);
        expect(selection.reason).toMatch(/^forced: /);
        const t = tf.tensor1d([1, 2, 3]);
        expect(Array.from(await tf.square(t).data())).toEqual([1, 4, 9]);
        t.dispose();
      } else {
        const error = await fails(activateBackend(backend, { source: 'DGM_OOD_BACKEND' }));
        expect(error).toBeInstanceOf(EngineError);
        expect((error as EngineError).code).toBe('DGM_ENGINE_BACKEND_UNAVAILABLE');
        expect((error as EngineError).backend).toBe(backend);
        expect((error as EngineError).message).toContain(`backend "${backend}" (requested by DGM_OOD_BACKEND)`);
        expect((error as EngineError).message).toMatch(/cannot be used on this machine: .{10,}/);
      }
    });
  }

  it('webgpu rejects a software adapter unless allowed (CPU renderers are slower than wasm)', async () => {
    // Dawn's OpenGL backend reaches Mesa llvmpipe where EGL is installed; skip where it is not.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const gl = { dawnFlags: ['backend=opengl'], featureLevel: 'compatibility' as const };
    const found = await probeWebGpu({ ...gl, allowSoftwareAdapter: true }).then(
      (p) => p.verdict,
      () => undefined,
    );
    if (found === undefined || !found.software) return;
    const error = await fails(activateBackend('webgpu', { webgpu: gl }));
    expect((error as EngineError).code).toBe('DGM_ENGINE_BACKEND_UNAVAILABLE');
    expect((error as Error).message).toMatch(/CPU renderer \(.*llvmpipe/);
  });
});
