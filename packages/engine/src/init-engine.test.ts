import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from './logger.js';

// initEngine keeps its choice in module state (once per process). Each test gets a fresh copy of the modules,
// as a new process would, so no test depends on what another one initialised. tfjs's global engine (the
// active backend) outlives the copies, so every test that needs a backend initialises it itself.
let engine: typeof import('./init-engine.js');
let errors: typeof import('./errors.js');
let tf: typeof import('@tensorflow/tfjs');

beforeEach(async () => {
  vi.resetModules();
  engine = await import('./init-engine.js');
  errors = await import('./errors.js');
  tf = await import('@tensorflow/tfjs');
});

afterEach(async () => {
  // The same module instance the test's initEngine used: stop the wasm helper threads it may have started.
  const { stopConvHelpers } = await import('./kernels/parallel-conv.js');
  await stopConvHelpers();
});

/** Runs `body` with the environment variable set to `value` (or unset), restoring it afterwards. */
async function withEnv<T>(name: string, value: string | undefined, body: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

describe('initEngine', () => {
  it('rejects a bad DGM_OOD_BACKEND with a coded error naming the variable, and chooses no engine', async () => {
    await withEnv('DGM_OOD_BACKEND', 'gpu', async () => {
      await expect(engine.initEngine({ logger: silentLogger })).rejects.toMatchObject({ code: 'DGM_ENGINE_UNKNOWN_BACKEND', source: 'DGM_OOD_BACKEND' });
    });
    expect(await engine.currentEngine()).toBeUndefined();
  });

  it('sets the webgpu GEMM flag from DGM_OOD_WEBGPU_GEMM; an unknown webGpuGemm is a coded error naming the values, and chooses no engine', async () => {
    await expect(engine.initEngine({ backend: 'wasm', webGpuGemm: 'huge', logger: silentLogger })).rejects.toMatchObject({
      code: 'DGM_ENGINE_INVALID_ARGUMENT',
      message: expect.stringContaining('unknown value "huge" (expected auto, stock, large, wide, tall, small, large-prefetch, wide-prefetch, tall-prefetch, small-prefetch)'),
    });
    expect(await engine.currentEngine()).toBeUndefined();
    await withEnv('DGM_OOD_WEBGPU_GEMM', 'stock', () => engine.initEngine({ backend: 'wasm', logger: silentLogger }));
    expect(tf.env().get('DGM_WEBGPU_GEMM')).toBe('stock');
    tf.env().set('DGM_WEBGPU_GEMM', 'auto');
  });

  it('initialises once; later calls with auto or the same backend return the same engine', async () => {
    const lines: unknown[] = [];
    const logger = { info: (o: object) => lines.push(o), warn: (o: object) => lines.push(o) };
    expect(await engine.currentEngine()).toBeUndefined();
    const [a, b] = await withEnv('DGM_OOD_WASM_THREADS', undefined, () =>
      Promise.all([engine.initEngine({ backend: 'wasm', logger }), engine.initEngine({ backend: 'wasm', logger })]),
    );
    expect(a).toBe(b);
    expect(a.backend).toBe('wasm');
    const threads = Math.min(2, availableParallelism()); // the default without DGM_OOD_WASM_THREADS
    expect(a.reason).toContain(threads > 1 ? `${threads} threads for large convs` : '1 thread');
    expect(a.tf).toBe(tf);
    expect(tf.getBackend()).toBe('wasm');
    expect(await engine.initEngine({ backend: 'auto', logger })).toBe(a);
    expect(await engine.initEngine({ logger })).toBe(a);
    expect(await engine.currentEngine()).toBe(a);
    expect(lines).toHaveLength(1); // the choice is logged once
  });

  it('refuses to switch to another backend afterwards', async () => {
    const first = await engine.initEngine({ backend: 'wasm', logger: silentLogger });
    const error = await engine.initEngine({ backend: 'cpu', logger: silentLogger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.EngineError);
    expect((error as InstanceType<typeof errors.EngineError>).code).toBe('DGM_ENGINE_ALREADY_INITIALISED');
    expect((error as Error).message).toContain('"cpu"');
    expect((error as Error).message).toContain('"wasm"');
    expect(tf.getBackend()).toBe('wasm');
    expect(await engine.currentEngine()).toBe(first);
  });
});
