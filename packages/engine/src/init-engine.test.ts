import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { currentEngine, initEngine } from './init-engine.js';
import { silentLogger } from './logger.js';

describe('initEngine', () => {
  it('rejects a bad DGM_OOD_BACKEND with a coded error naming the variable', async () => {
    const saved = process.env.DGM_OOD_BACKEND;
    process.env.DGM_OOD_BACKEND = 'gpu';
    try {
      await expect(initEngine({ logger: silentLogger })).rejects.toMatchObject({ code: 'DGM_ENGINE_UNKNOWN_BACKEND', source: 'DGM_OOD_BACKEND' });
    } finally {
      if (saved === undefined) delete process.env.DGM_OOD_BACKEND;
      else process.env.DGM_OOD_BACKEND = saved;
    }
    expect(await currentEngine()).toBeUndefined();
  });

  it('initialises once; later calls with auto or the same backend return the same engine', async () => {
    const lines: unknown[] = [];
    const logger = { info: (o: object) => lines.push(o), warn: (o: object) => lines.push(o) };
    const [a, b] = await Promise.all([initEngine({ backend: 'wasm', logger }), initEngine({ backend: 'wasm', logger })]);
    expect(a).toBe(b);
    expect(a.backend).toBe('wasm');
    if (availableParallelism() >= 2 && !process.env.DGM_OOD_WASM_THREADS) expect(a.reason).toMatch(/2 threads for large convs/);
    expect(a.tf).toBe(tf);
    expect(tf.getBackend()).toBe('wasm');
    expect(await initEngine({ backend: 'auto', logger })).toBe(a);
    expect(await initEngine({ logger })).toBe(a);
    expect(await currentEngine()).toBe(a);
    expect(lines).toHaveLength(1); // the choice is logged once
  });

  it('refuses to switch to another backend afterwards', async () => {
    const error = await initEngine({ backend: 'cpu', logger: silentLogger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('DGM_ENGINE_ALREADY_INITIALISED');
    expect((error as EngineError).message).toContain('"cpu"');
    expect((error as EngineError).message).toContain('"wasm"');
    expect(tf.getBackend()).toBe('wasm');
  });
});
