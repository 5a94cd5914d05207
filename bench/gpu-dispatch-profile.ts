/**
 * Dispatches, queue submits, buffer copies and creations and host reads per training step on the webgpu backend,
 * for the training steps issue 18 targets, each as packages/training's trainer takes it (loss, gradients,
 * global-norm clipping 1.0, AdamW): the flow's affine-coupling step (network of bench/engine-workloads.ts), the
 * RQ-NSF coupling step and the diffusion U-Net step — under stock tfjs-webgpu, tfjs's own knobs, and the engine's own kernels (`ours`,
 * what the trainer runs). Used by bench/gpu-dispatches.bench.ts and bench/gpu/check.ts; the counts do not
 * depend on the adapter, so a software one measures them exactly.
 */
import { diffCounts, formatCounts, installWebGpuCounters, OWN_WEBGPU_KERNELS_FLAG, standardNormalLogProb, tf as tfjs, topPrograms, type WebGpuCounts } from '@dgm-ood/engine';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { denoisingLoss } from '../packages/diffusion/src/losses.js';
import { DiffusionModel } from '../packages/diffusion/src/model.js';
import type { DiffusionModelSpec } from '../packages/diffusion/src/spec.js';
import { resolveDiffusionModelSpec } from '../packages/diffusion/src/presets.js';
// The optimizer modules directly: the package index also carries the job handlers (database, queue).
import { AdamW } from '../packages/training/src/optim/adamw.js';
import { RqSplineCoupling } from '../packages/flows/src/transforms/rq-spline-coupling.js';
import { couplingStep, createCouplingNetwork } from './engine-workloads.js';

type Tf = typeof tfjs;

/** A training step that leaves what the trainer reads (loss, gradient norm) on the device. */
export interface ProfiledStep {
  enqueue(): tfjs.Tensor;
  dispose(): void;
}

export interface TrainingStepWorkload {
  name: 'coupling_step' | 'rq_coupling_step' | 'unet_step';
  description: string;
  create(tf: Tf): ProfiledStep;
}

/** Gradients, clipping at 1.0 and AdamW as the trainer does them; [loss, gradient norm] stay on the device. */
function trainerStep(tf: Tf, loss: () => tfjs.Scalar, params: Array<[string, tfjs.Variable]>, optimizer: AdamW, lr: number): tfjs.Tensor {
  const nameOf = new Map(params.map(([n, v]) => [v.name, n] as const));
  const { value, grads } = tf.variableGrads(loss, params.map(([, v]) => v));
  const named = new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, g] as const));
  const both = optimizer.clipApplyAndReport(named, lr, 1.0, value);
  tf.dispose([value, ...named.values()]);
  return both;
}

/** The coupling training step: the network of bench/engine-workloads.ts at `batch` (64 there), trainer-style. */
export function couplingTrainingStep(batch = 64): TrainingStepWorkload {
  return {
    name: 'coupling_step',
    description: `${couplingStep.description.replace('[64,', `[${batch},`).replace('Adam step', 'loss, gradients, clipping 1.0, AdamW')}`,
    create(tf) {
      const net = createCouplingNetwork(tf, batch);
      const params = net.vars.map((v, i) => [`p${i}`, v] as [string, tfjs.Variable]);
      const optimizer = new AdamW(params, { lr: 1e-3, weightDecay: 0 });
      return {
        enqueue: () => trainerStep(tf, net.loss, params, optimizer, 1e-3),
        dispose() {
          optimizer.dispose();
          net.dispose();
        },
      };
    },
  };
}

/**
 * The RQ-NSF coupling training step (the reference's flows): one RqSplineCoupling of packages/flows on x
 * [batch,14,14,4] (2 channels condition, 2 are transformed; ConvResidualNet 2→64, 2 blocks; K = 8 bins, B = 3), loss
 * the mean NLL under N(0, I), trainer-style. On webgpu with the engine's own kernels the spline is one fused
 * dispatch each way; stock, it is ~100 tfjs ops (softmax, cumsums, one-hot bin selection, the rational map).
 */
export function rqCouplingTrainingStep(batch = 64): TrainingStepWorkload {
  return {
    name: 'rq_coupling_step',
    description: `RQ-spline coupling on [${batch},14,14,4], ConvResidualNet(2→64, 2 blocks, →2·23), K=8, B=3: loss, gradients, clipping 1.0, AdamW`,
    create(tf) {
      const coupling = new RqSplineCoupling({ channels: 4, flip: false, net: { hiddenChannels: 64, numBlocks: 2 }, numBins: 8, tailBound: 3, seed: 1 });
      const params = coupling.namedParameters();
      const optimizer = new AdamW(params, { lr: 1e-3, weightDecay: 0 });
      const x = tf.tidy(() => tf.mul(tf.randomNormal([batch, 14, 14, 4], 0, 1, 'float32', 7), 1.5)) as tfjs.Tensor4D;
      const loss = () =>
        tf.tidy(() => {
          const { y, logabsdet } = coupling.forward(x);
          return tf.neg(tf.mean(tf.add(standardNormalLogProb(y), logabsdet))) as tfjs.Scalar;
        });
      return {
        enqueue: () => trainerStep(tf, loss, params, optimizer, 1e-3),
        dispose() {
          x.dispose();
          optimizer.dispose();
          coupling.dispose();
        },
      };
    },
  };
}

/** The U-Net training step of packages/training's trainer on a preset (default vp-unet-cpu, 32×32×3). */
export function unetTrainingStep(preset = 'vp-unet-cpu', batch = 2): TrainingStepWorkload {
  return {
    name: 'unet_step',
    description: `U-Net ${preset}, batch ${batch}: ε-matching loss, gradients, clipping 1.0, AdamW`,
    create(tf) {
      const spec = resolveDiffusionModelSpec({ preset }, { seed: 0, path: 'model' }) as DiffusionModelSpec;
      const model = new DiffusionModel(spec);
      const [c, h, w] = spec.dataShape;
      const params = model.namedParameters();
      const optimizer = new AdamW(params, { lr: 5e-5, weightDecay: 0 });
      const x = tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 1), 2), 1)) as tfjs.Tensor4D;
      let step = 0;
      return {
        enqueue() {
          const seed = deriveSeed(2, step++);
          return trainerStep(tf, () => denoisingLoss(model.sde, model.network, x, { seed }), params, optimizer, 5e-5);
        },
        dispose() {
          x.dispose();
          optimizer.dispose();
          model.dispose();
        },
      };
    },
  };
}

/**
 * How a run reads what the trainer needs: `each` awaits it right after the step (stock: the trainer checks the
 * loss before going on), `deferred` reads step k's after step k+1 is enqueued (the device never waits for the
 * host), `end` reads only the last step's (a lower bound: no per-step check at all).
 */
export type ReadPolicy = 'each' | 'deferred' | 'end';

export interface KnobSetting {
  name: string;
  /** tfjs flags set for the run (restored after it). */
  flags: Record<string, number | boolean>;
  read: ReadPolicy;
}

const STOCK = { [OWN_WEBGPU_KERNELS_FLAG]: false };

/**
 * `stock` is tfjs's defaults with the engine's own kernels off; the knob rows change one tfjs setting each;
 * `ours` is what the trainer runs on webgpu: the engine's kernels, submit batch 64, each step's loss and gradient
 * norm read after the next step is enqueued.
 */
export const KNOB_SETTINGS: KnobSetting[] = [
  { name: 'stock', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 15 }, read: 'each' },
  { name: 'submit batch 64', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64 }, read: 'each' },
  { name: 'submit batch 1000', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1000 }, read: 'each' },
  { name: 'deferred read', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 15 }, read: 'deferred' },
  { name: 'read at end only', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 15 }, read: 'end' },
  { name: 'no CPU forwarding', flags: { ...STOCK, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 15, WEBGPU_CPU_FORWARD: false }, read: 'each' },
  { name: 'ours', flags: { [OWN_WEBGPU_KERNELS_FLAG]: true, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64 }, read: 'deferred' },
];

export interface StepProfile {
  workload: string;
  setting: string;
  steps: number;
  /** Totals over the measured steps (divide by `steps` for per-step figures). */
  counts: WebGpuCounts;
  /** The values the last step read, to check a knob changes nothing but the schedule. */
  lastRead: number[];
  msPerStep: number;
  /**
   * Host work per step: the time to enqueue it (the trainer's step without its read) minus the time inside queue
   * submits meanwhile (where the software adapter computes). The floor no kernel can lower: tfjs's bookkeeping, encoding,
   * bind groups and uniforms, per dispatch. Measured on whatever CPU runs the bench.
   */
  hostMsPerStep: number;
}

/** Runs `f` with `flags` set in tfjs's environment, and puts back what was there after. */
export async function withFlags<T>(tf: Tf, flags: KnobSetting['flags'], f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(flags).map((k) => [k, tf.env().get(k)]));
  for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) tf.env().set(k, v);
  }
}

/**
 * Steps of a training workload as the trainer runs them: each `step()` enqueues a step and then reads the previous
 * one; `settle()` reads what is still pending; `dispose()` settles and disposes the instance.
 */
export function pipelined(instance: ProfiledStep) {
  let pending: tfjs.Tensor | undefined;
  const settle = async (): Promise<void> => {
    if (pending === undefined) return;
    await pending.data();
    pending.dispose();
    pending = undefined;
  };
  return {
    async step(): Promise<void> {
      const next = instance.enqueue();
      await settle();
      pending = next;
    },
    settle,
    async dispose(): Promise<void> {
      await settle();
      instance.dispose();
    },
  };
}

/** Runs `warmup` + `steps` steps of a fresh instance under one setting and counts the measured steps. */
export function profileSteps(tf: Tf, workload: TrainingStepWorkload, setting: KnobSetting, steps = 3, warmup = 2): Promise<StepProfile> {
  return withFlags(tf, setting.flags, () => countSteps(tf, workload, setting, steps, warmup));
}

async function countSteps(tf: Tf, workload: TrainingStepWorkload, setting: KnobSetting, steps: number, warmup: number): Promise<StepProfile> {
  const counter = installWebGpuCounters();
  const instance = workload.create(tf);
  let lastRead: number[] = [];
  try {
    let pending: tfjs.Tensor | undefined;
    const read = async (t: tfjs.Tensor) => {
      lastRead = Array.from(await t.data());
      t.dispose();
    };
    let hostMs = 0;
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const submitted = counter.snapshot().submitMs;
        const begin = performance.now();
        const out = instance.enqueue();
        hostMs += performance.now() - begin - (counter.snapshot().submitMs - submitted);
        if (setting.read === 'each') await read(out);
        else {
          // `deferred` reads the previous step's now that this one is enqueued; `end` drops it unread.
          if (pending !== undefined) {
            if (setting.read === 'deferred') await read(pending);
            else pending.dispose();
          }
          pending = out;
        }
      }
    };
    await run(warmup);
    if (pending !== undefined) await read(pending); // the warm-up's own, not counted
    pending = undefined;
    counter.reset();
    hostMs = 0;
    const start = performance.now();
    await run(steps);
    if (pending !== undefined) await read(pending); // the last step's values, counted: one read per run
    const msPerStep = (performance.now() - start) / steps;
    return { workload: workload.name, setting: setting.name, steps, counts: counter.snapshot(), lastRead, msPerStep, hostMsPerStep: hostMs / steps };
  } finally {
    instance.dispose();
    counter.uninstall();
  }
}

/**
 * `coupling_step  stock  per step: dispatches 253 …` and how the last values read compare with stock's. The U-Net
 * step is not bit-reproducible on webgpu (stock against stock differs by ~1e-7 relative in the gradient norm),
 * so a knob is judged by that size of difference, printed, not by identity.
 */
export function formatProfile(p: StepProfile, stock?: StepProfile): string {
  let same = '';
  if (stock !== undefined && stock !== p) {
    const d = maxRelativeDifference(p.lastRead, stock.lastRead);
    same = d === 0 ? '  (same values as stock)' : `  (values differ from stock by ${d.toExponential(1)} relative)`;
  }
  return `${p.workload.padEnd(14)} ${p.setting.padEnd(22)} per step: ${formatCounts(p.counts, p.steps)}  ${p.msPerStep.toFixed(0)} ms (host ${p.hostMsPerStep.toFixed(1)} ms)${same}`;
}

export function formatTopPrograms(p: StepProfile, n = 10): string {
  return topPrograms(p.counts, n)
    .map(([k, v]) => `    ${String(v / p.steps).padStart(6)}  ${k}`)
    .join('\n');
}

function maxRelativeDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  return Math.max(0, ...a.map((v, i) => (Object.is(v, b[i]) ? 0 : Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30))));
}

export { diffCounts };

/** `ours against stock: 5.2× fewer dispatches (253 → 49 per step), host reads per step 1 (device 1)`. */
export function formatReduction(ours: StepProfile, stock: StepProfile): string {
  const per = (p: StepProfile, n: number) => n / p.steps;
  const a = per(stock, stock.counts.dispatches);
  const b = per(ours, ours.counts.dispatches);
  return `  ours against stock: ${(a / b).toFixed(1)}× fewer dispatches (${a} → ${b} per step), host reads per step ${per(ours, ours.counts.tfjsReads)} (device ${per(ours, ours.counts.mapReads)})`;
}
