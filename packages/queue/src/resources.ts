/**
 * What a job needs (`resources` in its config) and what a worker has, and the queue a job with needs waits in.
 * BullMQ cannot hand a queue's jobs only to some workers, so each distinct need gets its own queue (a requirement
 * class) that only the workers meeting it consume; jobs without needs stay on the kind's default queue.
 */

export const DEVICE_CLASSES = ['gpu', 'cpu'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** A job's need: the device class (`any`: either) and, optionally, memory in GiB (device memory for gpu, host memory for cpu). */
export interface ResourceRequirement {
  device: DeviceClass | 'any';
  memoryGib?: number;
}

/** What a worker advertises; memory unknown (null) meets no memory requirement. */
export interface WorkerCapacity {
  device: DeviceClass;
  memoryGib: number | null;
}

export interface ResourceProblem {
  /** Relative to the job config, e.g. `resources.memory_gib`. */
  path: string;
  message: string;
}

/** The largest memory a requirement may name, GiB: far above any machine, below typos like 16000. */
export const MAX_MEMORY_GIB = 4096;

/** A memory amount in GiB: positive, at most MAX_MEMORY_GIB, at most two decimals (it becomes part of a queue name). */
export function checkMemoryGib(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_MEMORY_GIB) {
    return `must be a number of GiB greater than 0 and at most ${MAX_MEMORY_GIB} (got ${JSON.stringify(value)})`;
  }
  if (Math.abs(value * 100 - Math.round(value * 100)) > 1e-9) return `must have at most two decimals (got ${value})`;
  return undefined;
}

/**
 * Reads `resources` of a job config: absent or `{device: any}` without memory is no requirement (undefined).
 * Problems are located under `resources`.
 */
export function readResources(config: unknown): { requirement?: ResourceRequirement; problems: ResourceProblem[] } {
  if (typeof config !== 'object' || config === null || Array.isArray(config) || !('resources' in config)) return { problems: [] };
  const value = (config as Record<string, unknown>).resources;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ path: 'resources', message: `resources must be a mapping like {device: gpu, memory_gib: 16} (got ${JSON.stringify(value)})` }] };
  }
  const problems: ResourceProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'device' && key !== 'memory_gib') problems.push({ path: `resources.${key}`, message: `resources has no setting ${JSON.stringify(key)} (known: device, memory_gib)` });
  }
  const { device = 'any', memory_gib: memory } = value as { device?: unknown; memory_gib?: unknown };
  if (device !== 'any' && !(DEVICE_CLASSES as readonly unknown[]).includes(device)) {
    problems.push({ path: 'resources.device', message: `resources.device must be gpu, cpu or any (got ${JSON.stringify(device)})` });
  }
  const memoryProblem = memory === undefined ? undefined : checkMemoryGib(memory);
  if (memoryProblem) problems.push({ path: 'resources.memory_gib', message: `resources.memory_gib ${memoryProblem}` });
  if (problems.length > 0) return { problems };
  if (device === 'any' && memory === undefined) return { problems: [] };
  return { requirement: { device: device as ResourceRequirement['device'], ...(memory !== undefined ? { memoryGib: memory as number } : {}) }, problems: [] };
}

/** The requirement class's name, deterministic in the normalized requirement: `gpu`, `gpu-16gib`, `any-64gib`, `cpu`. */
export function requirementClassOf(requirement: ResourceRequirement): string {
  return requirement.memoryGib === undefined ? requirement.device : `${requirement.device}-${requirement.memoryGib}gib`;
}

/** The inverse of requirementClassOf; undefined for a name it did not produce. */
export function requirementOfClass(name: string): ResourceRequirement | undefined {
  const match = /^(gpu|cpu|any)(?:-(\d+(?:\.\d{1,2})?)gib)?$/.exec(name);
  if (!match) return undefined;
  return { device: match[1] as ResourceRequirement['device'], ...(match[2] !== undefined ? { memoryGib: Number(match[2]) } : {}) };
}

/** The BullMQ queue of a kind's jobs of one requirement class (within the deployment's queue prefix). */
export function classQueueName(kind: string, requirementClass: string): string {
  return `${kind}-needs-${requirementClass}`;
}

export function meetsRequirement(capacity: WorkerCapacity, requirement: ResourceRequirement): boolean {
  if (requirement.device !== 'any' && requirement.device !== capacity.device) return false;
  if (requirement.memoryGib === undefined) return true;
  return capacity.memoryGib !== null && capacity.memoryGib >= requirement.memoryGib;
}

export function describeRequirement(requirement: ResourceRequirement): string {
  const device = requirement.device === 'any' ? 'any device' : `a ${requirement.device}`;
  return requirement.memoryGib === undefined ? device : `${device} with at least ${requirement.memoryGib} GiB`;
}

export function describeCapacity(capacity: WorkerCapacity): string {
  return `${capacity.device}${capacity.memoryGib === null ? ' (memory unknown)' : ` with ${capacity.memoryGib} GiB`}`;
}

/** The config without `resources`: what a job's plan readers and handlers see (scheduling is none of their business). */
export function withoutResources<T>(config: T): T {
  if (typeof config !== 'object' || config === null || Array.isArray(config) || !('resources' in config)) return config;
  const { resources: _scheduling, ...rest } = config as Record<string, unknown>;
  return rest as T;
}
