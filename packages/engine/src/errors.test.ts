import { expect, test } from 'vitest';
import { isDeterministic } from '@dgm-ood/config';
import { EngineError, invalidArgument } from './errors.js';

test('engine errors are deterministic unless another machine or a fresh process could succeed', () => {
  expect(isDeterministic(new EngineError('DGM_ENGINE_UNKNOWN_BACKEND', 'DGM_OOD_BACKEND: cuda is unknown'))).toBe(true);
  expect(isDeterministic(invalidArgument('batchJacobian', 'chunk must be positive'))).toBe(true);
  expect(isDeterministic(new EngineError('DGM_ENGINE_TENSOR_LEAK', 'train step leaked 3 tensors'))).toBe(true);
  expect(isDeterministic(new EngineError('DGM_ENGINE_BACKEND_UNAVAILABLE', 'webgpu: no adapter', { backend: 'webgpu' }))).toBe(false);
  expect(isDeterministic(new EngineError('DGM_ENGINE_ALREADY_INITIALISED', 'already on wasm'))).toBe(false);
  expect(new EngineError('DGM_ENGINE_BACKEND_UNAVAILABLE', 'x', { backend: 'webgpu' })).toMatchObject({ code: 'DGM_ENGINE_BACKEND_UNAVAILABLE', backend: 'webgpu', name: 'EngineError' });
});
