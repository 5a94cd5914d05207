import { expect, test } from 'vitest';
import { meetsRequirement, readResources, requirementClassOf, requirementOfClass } from './resources.js';

test('requirement classes: no requirement for absent or {device: any}; deterministic names that parse back; who meets what', () => {
  expect(readResources({ fixture: 'x' })).toEqual({ problems: [] });
  expect(readResources({ resources: { device: 'any' } })).toEqual({ problems: [] });
  const gpu16 = readResources({ resources: { memory_gib: 16, device: 'gpu' } }).requirement!;
  expect(requirementClassOf(gpu16)).toBe('gpu-16gib');
  expect(requirementClassOf(readResources({ resources: { device: 'any', memory_gib: 7.5 } }).requirement!)).toBe('any-7.5gib');
  expect(requirementClassOf(readResources({ resources: { device: 'cpu' } }).requirement!)).toBe('cpu');
  for (const name of ['gpu', 'cpu-64gib', 'any-7.5gib', 'gpu-0.25gib']) expect(requirementClassOf(requirementOfClass(name)!)).toBe(name);
  expect(requirementOfClass('tpu-8gib')).toBeUndefined();

  expect(meetsRequirement({ device: 'gpu', memoryGib: 80 }, gpu16)).toBe(true);
  expect(meetsRequirement({ device: 'gpu', memoryGib: 8 }, gpu16)).toBe(false);
  expect(meetsRequirement({ device: 'gpu', memoryGib: null }, gpu16)).toBe(false);
  expect(meetsRequirement({ device: 'gpu', memoryGib: null }, { device: 'gpu' })).toBe(true);
  expect(meetsRequirement({ device: 'cpu', memoryGib: 512 }, gpu16)).toBe(false);
  expect(meetsRequirement({ device: 'cpu', memoryGib: 32 }, { device: 'any', memoryGib: 16 })).toBe(true);

  expect(readResources({ resources: { memory_gib: 1.234 } }).problems).toEqual([
    { path: 'resources.memory_gib', message: 'resources.memory_gib must have at most two decimals (got 1.234)' },
  ]);
  expect(readResources({ resources: 'gpu' }).problems[0]!.path).toBe('resources');
});
