/**
 * bench/gpu/check.ts's GPU time profile (issue 18, acceptance 2: "the profile that explains the rest"): for the
 * workloads compared against PyTorch, under stock tfjs-webgpu and under the engine's kernels, the GPU's busy time per
 * step (every dispatch timed with timestamp queries, by the labels the dispatch counters use) against the untimed
 * wall time of the same step. Busy ≪ wall: the step is bound by the host (encoding, dispatch, submits); busy ≈ wall:
 * by the kernels, and the rows say which. Without timestamp-query (the software adapter) it lists dispatches only.
 */
import { formatGpuTimes, summarizeGpuTimes, timeWebGpuDispatches, type GpuTimeSummary, tf as tfjs } from '@dgm-ood/engine';
import { convBlockWorkload, matmulWorkload } from '../engine-workloads.js';
import { couplingTrainingStep, KNOB_SETTINGS, pipelined, rqCouplingTrainingStep, unetTrainingStep, withFlags, type ProfiledStep } from '../gpu-dispatch-profile.js';
import { median } from '../torch-server.js';

type Tf = typeof tfjs;

export interface GpuTimeRecord {
  workload: string;
  setting: string;
  /** Median untimed wall time per step (pipelined as the trainer runs it: step k is read after step k+1 is enqueued). */
  wallMs: number;
  summary: GpuTimeSummary;
}

export interface GpuTimeOptions {
  small: boolean;
  /** Untimed steps for the wall time. */
  reps: number;
  /** Timed steps summed (each dispatch alone in a pass and a submit: slower than untimed, so few). */
  timedSteps: number;
  log: (line: string) => void;
}

interface Enqueueing {
  name: string;
  create(tf: Tf): ProfiledStep;
}

function workloads(small: boolean): Enqueueing[] {
  const kernel = (w: ReturnType<typeof matmulWorkload>): Enqueueing => ({
    name: w.name,
    create(tf) {
      const instance = w.create(tf);
      return { enqueue: () => instance.enqueue!(), dispose: () => instance.dispose() };
    },
  });
  const b = small ? 2 : 256;
  return [
    kernel(matmulWorkload(small ? 128 : 4096, 'matmul')),
    kernel(convBlockWorkload(small ? 2 : 128, 'conv_block')),
    { ...couplingTrainingStep(b), name: `coupling_step b${b}` },
    { ...rqCouplingTrainingStep(b), name: `rq_coupling_step b${b}` },
    { ...unetTrainingStep(small ? 'vp-unet-cpu' : 'vp-unet-reference-grayscale', small ? 2 : 32), name: 'unet_step' },
  ];
}

function profileOne(tf: Tf, w: Enqueueing, setting: (typeof KNOB_SETTINGS)[number], o: GpuTimeOptions): Promise<GpuTimeRecord> {
  return withFlags(tf, setting.flags, async () => {
    const instance = w.create(tf);
    const steps = pipelined(instance);
    try {
      const walls: number[] = [];
      for (let i = 0; i < 2 + o.reps; i++) {
        const start = performance.now();
        await steps.step();
        if (i >= 2) walls.push(performance.now() - start); // the first two compile shaders and fill buffer pools
      }
      await steps.settle();
      const dispatches = [];
      let timestamps = false;
      for (let i = 0; i < o.timedSteps; i++) {
        const region = await timeWebGpuDispatches(() => instance.enqueue());
        await region.value.data();
        region.value.dispose();
        timestamps = region.timestamps;
        dispatches.push(...region.dispatches);
      }
      return { workload: w.name, setting: setting.name, wallMs: median(walls), summary: summarizeGpuTimes(dispatches, o.timedSteps, timestamps) };
    } finally {
      await steps.dispose();
    }
  });
}

/** Each workload under `stock` and `ours`, printed as it goes; the records for gpu-check.json. */
export async function runGpuTimeProfiles(tf: Tf, o: GpuTimeOptions): Promise<GpuTimeRecord[]> {
  const settings = KNOB_SETTINGS.filter((s) => s.name === 'stock' || s.name === 'ours');
  const records: GpuTimeRecord[] = [];
  for (const w of workloads(o.small)) {
    for (const setting of settings) {
      const r = await profileOne(tf, w, setting, o);
      o.log(`${w.name} [${setting.name}]: ${formatGpuTimes(r.summary, r.wallMs, 10)}`);
      records.push(r);
    }
  }
  return records;
}
