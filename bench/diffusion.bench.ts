// Diffusion benchmark (issue 12, acceptance point 3): our U-Net (packages/diffusion, tfjs on the engine's backend,
// wasm here) against the same network in PyTorch CPU (bench/diffusion_torch.py via bench/diffusion_bench_torch.py,
// Debian python3-torch), in one run, taking turns so both see the same load:
//   1. parameters of both (they must match: the same architecture);
//   2. one training step: ε-matching loss on a batch (default 64) of 32×32 images, backward, global-norm clipping
//      1.0, Adam — ms per step, ours and PyTorch's, and the speed ratio PyTorch ms / our ms;
//   3. one PF-ODE likelihood pass: the reference's Euler solver (25 updates from ε = 0.01) with a Hutchinson
//      Rademacher trace by a VJP, on a batch (default 16) — ms per pass and the ratio.
// Ratios ≥ 1 mean we are faster. Goal (issue 12): ≥ 0.3.
// Run: pnpm bench:diffusion [--preset vp-unet-cpu] [--batch 64] [--pf-batch 16] [--pf-steps 25] [--pf-probes 1]
//      [--steps 6] [--passes 2] [--warmup 2] [--turn 2] [--torch-threads 2,1] [--python /usr/bin/python3] [--backend wasm]
//      [--profile]   also: where our training step's time goes, by tfjs kernel (tf.profile)
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initEngine, tf } from '@dgm-ood/engine';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { DiffusionModel, countUNetParameters, denoisingLoss, pfOdeLogLikelihood, unetFlopsPerImage, type DiffusionModelSpec } from '../packages/diffusion/src/index.js';
import { resolveDiffusionModelSpec } from '../packages/diffusion/src/presets.js';
import { AdamW, clipGradNorm } from '../packages/training/src/index.js';
import { median, TorchServer } from './torch-server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const { values: o } = parseArgs({
  options: {
    preset: { type: 'string', default: 'vp-unet-cpu' },
    batch: { type: 'string', default: '64' },
    'pf-batch': { type: 'string', default: '16' },
    'pf-steps': { type: 'string', default: '25' },
    'pf-probes': { type: 'string', default: '1' },
    steps: { type: 'string', default: '6' },
    passes: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    turn: { type: 'string', default: '2' },
    'torch-threads': { type: 'string', default: '2,1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    backend: { type: 'string', default: 'wasm' },
    profile: { type: 'boolean', default: false },
  },
});
const batch = Number(o.batch);
const pfBatch = Number(o['pf-batch']);
const pfSteps = Number(o['pf-steps']);
const pfProbes = Number(o['pf-probes']);

const engine = await initEngine({ backend: o.backend as 'wasm' });
const spec = resolveDiffusionModelSpec({ preset: o.preset }, { seed: 0, path: 'model' }) as DiffusionModelSpec;
const { type: _t, ...unet } = spec.network;
const model = new DiffusionModel(spec);
const [c, h, w] = spec.dataShape;
const optimizer = new AdamW(model.namedParameters(), { lr: 5e-5, weightDecay: 0 });
const nameOf = new Map(model.namedParameters().map(([n, v]) => [v.name, n] as const));

/** One training step as the generic trainer takes it (loss, variableGrads, clipping, Adam). */
async function ourTrainStep(step: number): Promise<number> {
  const x = tf.sub(tf.mul(tf.randomUniform([batch, h, w, c], 0, 1, 'float32', deriveSeed(1, step)), 2), 1) as tf.Tensor4D;
  const start = performance.now();
  const { value, grads } = tf.variableGrads(() => denoisingLoss(model.sde, model.network, x, { seed: deriveSeed(2, step) }), model.namedParameters().map(([, v]) => v));
  const named = new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, g] as const));
  const clipped = clipGradNorm(named, 1.0);
  await clipped.totalNorm.data();
  optimizer.apply(clipped.grads, 5e-5);
  await value.data();
  const ms = performance.now() - start;
  tf.dispose([x, value, clipped.totalNorm, ...clipped.grads.values()]);
  return ms;
}

async function ourPfOdePass(pass: number): Promise<number> {
  const x = tf.sub(tf.mul(tf.randomUniform([pfBatch, h, w, c], 0, 1, 'float32', deriveSeed(3, pass)), 2), 1) as tf.Tensor4D;
  const start = performance.now();
  await pfOdeLogLikelihood(model.sde, model.network, x, {
    solver: { type: 'euler', steps: pfSteps },
    eps: 0.01,
    trace: { method: 'rademacher', probes: pfProbes },
    probeSeeds: Array.from({ length: pfBatch }, (_, i) => deriveSeed(4, pass, i)),
  });
  const ms = performance.now() - start;
  x.dispose();
  return ms;
}

console.log(`diffusion bench — preset ${o.preset}: U-Net ${JSON.stringify(unet.blockOutChannels)}, ${unet.layersPerBlock} ResNet(s)/block, ${c}×${h}×${w}`);
console.log(`ours: ${engine.backend}; parameters ${model.numParameters()} (closed form ${countUNetParameters(unet)}), ${(unetFlopsPerImage(unet) / 1e6).toFixed(1)} MFLOP/image forward`);
const servers: TorchServer[] = [];
for (const threads of o['torch-threads']!.split(',').map(Number)) {
  const server = await TorchServer.start(o.python!, join(HERE, 'diffusion_bench_torch.py'), { threads });
  const built = (await server.request({ cmd: 'build', spec: unet, seed: 0 })) as { parameters: number };
  console.log(`PyTorch ${server.header.torch}, ${server.header.threads} thread(s): parameters ${built.parameters}${built.parameters === model.numParameters() ? ' (same)' : ' — DIFFERENT'}`);
  servers.push(server);
}

type Side = { name: string; run: (i: number) => Promise<number> };
async function compare(label: string, ours: Side['run'], torch: (s: TorchServer, i: number) => Promise<number>, count: number) {
  const warm = Number(o.warmup);
  for (let i = 0; i < warm; i++) {
    await ours(1000 + i);
    for (const s of servers) await torch(s, 1000 + i);
  }
  const times = new Map<string, number[]>([['ours', []], ...servers.map((s) => [`torch${s.header.threads}`, []] as [string, number[]])]);
  const turn = Number(o.turn);
  for (let done = 0; done < count; done += turn) {
    const k = Math.min(turn, count - done);
    for (let i = 0; i < k; i++) times.get('ours')!.push(await ours(done + i));
    for (const s of servers) for (let i = 0; i < k; i++) times.get(`torch${s.header.threads}`)!.push(await torch(s, done + i));
  }
  const oursMs = median(times.get('ours')!);
  console.log(`\n${label} (median of ${count}; load ${load()})`);
  console.log(`  ours (${engine.backend}): ${oursMs.toFixed(0)} ms`);
  for (const s of servers) {
    const t = median(times.get(`torch${s.header.threads}`)!);
    console.log(`  PyTorch, ${s.header.threads} thread(s): ${t.toFixed(0)} ms → our speed / PyTorch's = ${(t / oursMs).toFixed(2)}`);
  }
}

await compare(
  `training step, batch ${batch} (loss + backward + clip + Adam)`,
  ourTrainStep,
  async (s, i) => ((await s.request({ cmd: 'train_steps', n: 1, batch, seed: i })) as { ms: number[] }).ms[0]!,
  Number(o.steps),
);
await compare(
  `PF-ODE likelihood pass, batch ${pfBatch}, Euler ${pfSteps} updates, ${pfProbes} Rademacher probe(s) (VJP)`,
  ourPfOdePass,
  async (s, i) => ((await s.request({ cmd: 'pfode', n: 1, batch: pfBatch, steps: pfSteps, probes: pfProbes, seed: i })) as { ms: number[] }).ms[0]!,
  Number(o.passes),
);
if (o.profile) {
  // Kernel times of one training step (the profiler adds per-kernel synchronisation, so the total runs a little
  // above the step time measured above).
  const info = await tf.profile(() => ourTrainStep(99));
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`\nwhere a training step's time goes (tf.profile, ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels):`);
  for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
    console.log(`  ${name.padEnd(28)} ${e.ms.toFixed(0).padStart(6)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${String(e.calls).padStart(5)} calls`);
  }
}
for (const s of servers) s.stop();
model.dispose();
optimizer.dispose();
