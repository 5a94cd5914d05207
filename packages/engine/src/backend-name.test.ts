import { BACKENDS } from '@dgm-ood/config';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, BACKEND_REQUESTS, parseBackendRequest } from './backend-name.js';
import { EngineError } from './errors.js';

describe('backend names', () => {
  it('are exactly the values @dgm-ood/config accepts for DGM_OOD_BACKEND', () => {
    expect([...BACKEND_REQUESTS].sort()).toEqual([...BACKENDS].sort());
  });

  it('keep the order auto tries: tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu', () => {
    expect(BACKEND_NAMES).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('parse valid requests; empty means auto', () => {
    expect(parseBackendRequest('wasm', 'x')).toBe('wasm');
    expect(parseBackendRequest(' webgpu ', 'x')).toBe('webgpu');
    expect(parseBackendRequest(undefined, 'x')).toBe('auto');
    expect(parseBackendRequest('', 'x')).toBe('auto');
  });

  it('reject unknown names with a coded error naming the source and the choices', () => {
    let error: unknown;
    try {
      parseBackendRequest('cuda', 'DGM_OOD_BACKEND');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('DGM_ENGINE_UNKNOWN_BACKEND');
    expect((error as EngineError).message).toContain('DGM_OOD_BACKEND');
    expect((error as EngineError).message).toContain('"cuda"');
    expect((error as EngineError).message).toContain('tensorflow-gpu');
  });
});
