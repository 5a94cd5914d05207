/**
 * What this worker advertises to the fleet: the device class its backend computes on and that device's memory
 * (host memory for cpu). Jobs with `resources` reach only workers whose advertisement meets them.
 */
import { totalmem } from 'node:os';
import type { AppConfig } from '@dgm-ood/config';
import type { WorkerCapacity } from '@dgm-ood/queue';

export interface AdvertisedResources extends WorkerCapacity {
  /** The backend the device class comes from (DGM_OOD_BACKEND, or what `auto` found). */
  backend: string;
  /** Why this device class and memory, for the startup log line. */
  reason: string;
}

/** Finds a hardware WebGPU adapter (throws when there is none); injectable so that tests need no GPU. */
export type GpuProbe = () => Promise<{ label: string }>;

const probeHardwareWebGpu: GpuProbe = async () => {
  const { probeWebGpu } = await import('@dgm-ood/engine');
  return { label: (await probeWebGpu()).verdict.label };
};

const GIB = 1024 ** 3;

/** Host memory in GiB, rounded down to two decimals (a requirement of 16 GiB is not met by 15.999). */
function hostMemoryGib(): number {
  return Math.floor((totalmem() / GIB) * 100) / 100;
}

/**
 * The device class: DGM_OOD_WORKER_DEVICE if set, else that of the configured backend (webgpu and tensorflow-gpu:
 * gpu; wasm, cpu, tensorflow: cpu), else for `auto` whether a hardware WebGPU adapter exists (the GPU backend
 * `auto` takes where tfjs-node-gpu is not installed; set DGM_OOD_WORKER_DEVICE=gpu where it is). Memory:
 * DGM_OOD_WORKER_MEMORY_GIB if set, else host memory for cpu; WebGPU reports no device memory, so a gpu
 * worker without the setting advertises none and takes only gpu jobs that name no memory.
 */
export async function detectWorkerResources(config: Pick<AppConfig, 'backend' | 'workerDevice' | 'workerMemoryGib'>, probeGpu: GpuProbe = probeHardwareWebGpu): Promise<AdvertisedResources> {
  let device: WorkerCapacity['device'];
  let backend: string = config.backend;
  let why: string;
  if (config.workerDevice) {
    device = config.workerDevice;
    why = 'DGM_OOD_WORKER_DEVICE';
  } else if (config.backend === 'webgpu' || config.backend === 'tensorflow-gpu') {
    device = 'gpu';
    why = `DGM_OOD_BACKEND=${config.backend}`;
  } else if (config.backend !== 'auto') {
    device = 'cpu';
    why = `DGM_OOD_BACKEND=${config.backend}`;
  } else {
    try {
      const { label } = await probeGpu();
      device = 'gpu';
      backend = 'webgpu';
      why = `auto found the WebGPU adapter ${label}`;
    } catch (error) {
      device = 'cpu';
      why = `auto found no hardware GPU (${(error as Error).message.split('\n')[0]})`;
    }
  }
  const memoryGib = config.workerMemoryGib ?? (device === 'cpu' ? hostMemoryGib() : null);
  const memoryWhy = config.workerMemoryGib !== undefined ? 'DGM_OOD_WORKER_MEMORY_GIB' : device === 'cpu' ? 'host memory' : 'unknown: WebGPU reports none, set DGM_OOD_WORKER_MEMORY_GIB';
  return { device, memoryGib, backend, reason: `device ${device} from ${why}; memory ${memoryGib ?? 'unknown'} GiB from ${memoryWhy}` };
}
