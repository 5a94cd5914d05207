// Diffusion LID estimators on one trained model, per point, in one run (same points, same load):
//   FLIPD with the exact trace (D network VJPs per point) and with k Gaussian Hutchinson probes (1 pass + k VJPs),
//   against the paper's normal bundle (n = 4·D noisy copies: n network passes, then an SVD of n×D), its scale
//   calibrated on FMNIST-train points against their LPCA dimension as the OOD method does.
// For each: network passes and wall time per point, and the dual-threshold AUC (with the PF-ODE likelihood, the
// same for all) of FMNIST test (positives) vs MNIST (negatives).
// Run: pnpm bench:diffusion-lid --model DIR [--points 30] [--exact-points 6] [--probes 1,4,16] [--t0 0.05[,0.1,…]]
//      [--nb-points 10] [--nb-scores 4096] [--calibration 8] [--lpca-rows 5000] [--seed 100]
//   DIR: a trained diffusion job's working directory (the one holding checkpoints/), e.g. the diffusion demo's
//   model under runs/checkpoints-<sweep>/job-0.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initEngine, tf } from '@dgm-ood/engine';
import { evaluatePair } from '@dgm-ood/evaluation';
import { calibrateScale } from '../packages/lid/src/index.js';
import { families } from '../packages/catalog/src/index.js';
import { normalBundleLid } from '../packages/diffusion/src/index.js';
import { loadDataset, type ImageArray } from '../packages/data/src/index.js';
import { lpcaTarget } from '../packages/methods/src/lpca-target.js';
import { loadModel } from '../packages/models/src/index.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    points: { type: 'string', default: '30' },
    'exact-points': { type: 'string', default: '6' },
    probes: { type: 'string', default: '1,4,16' },
    t0: { type: 'string', default: '0.05' },
    'nb-points': { type: 'string', default: '10' },
    'nb-scores': { type: 'string', default: '4096' },
    'nb-t0': { type: 'string', default: '0.01' },
    calibration: { type: 'string', default: '8' },
    'lpca-rows': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '100' },
  },
  strict: true,
});
if (!args.model) throw new Error('--model DIR is required: a trained diffusion job’s working directory (with checkpoints/)');

const engine = await initEngine();
const model = await loadModel(args.model, families);
if (model.family !== 'diffusion') throw new Error(`${args.model}: a ${model.family} model, not a diffusion model`);
const [c, h, w] = model.dataShape;
const dim = c * h * w;
const caps = model.capabilities;
const seed = Number(args.seed);
const t0s = args.t0.split(',').map(Number);
console.log(`diffusion LID bench: ${model.source.path}, D = ${dim}, backend ${engine.backend}, load ${loadavg()[0]!.toFixed(2)}`);

const size = [h, w] as [number, number];
const fmnist = await loadDataset('fashion-mnist', 'test', { validFraction: 0, size });
const mnist = await loadDataset('mnist', 'test', { validFraction: 0, size });
const train = await loadDataset('fashion-mnist', 'train', { validFraction: 0, size });
const imageAt = (data: ImageArray, i: number) => tf.tidy(() => tf.tensor4d(Float32Array.from(data.images.subarray(i * dim, (i + 1) * dim)), [1, c, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D);

const n = Number(args.points);
interface Result {
  values: [number[], number[]];
  seconds: number;
  passes: number;
  points: number;
}
async function perPoint(count: number, passes: number, score: (image: tf.Tensor4D, i: number) => Promise<number>): Promise<Result> {
  const values: [number[], number[]] = [[], []];
  const t = performance.now();
  for (const [k, data] of [fmnist, mnist].entries()) {
    for (let i = 0; i < count; i++) {
      const image = imageAt(data, i);
      values[k]!.push(await score(image, i));
      image.dispose();
    }
  }
  return { values, seconds: (performance.now() - t) / 1000 / (2 * count), passes, points: count };
}

const likelihood = await perPoint(n, 25 * 2, async (image, i) => (await caps.logLikelihood!(image, seed + i, { solver: 'euler', steps: 25, eps: 0.01, trace: 'rademacher', probes: 1 }))[0]!);
console.log(`PF-ODE likelihood (Euler 25 steps, 1 probe): ${likelihood.seconds.toFixed(2)} s/point`);
const rows: Array<{ name: string; r: Result }> = [];
for (const t0 of t0s) {
  for (const k of args.probes.split(',').map(Number)) {
    rows.push({ name: `FLIPD t0=${t0}, ${k} probe(s)`, r: await perPoint(n, 1 + k, async (image, i) => (await caps.flipd!(image, seed + i, { t0, trace: { hutchinson: k } }))[0]!) });
  }
  const exactPoints = Number(args['exact-points']);
  if (exactPoints > 0) rows.push({ name: `FLIPD t0=${t0}, exact trace`, r: await perPoint(exactPoints, 1 + dim, async (image, i) => (await caps.flipd!(image, seed + i, { t0, trace: 'exact' }))[0]!) });
}

const nbPoints = Number(args['nb-points']);
if (nbPoints > 0) {
  const settings = { t0: Number(args['nb-t0']), numScores: Number(args['nb-scores']), chunk: 128 };
  const lpca = await lpcaTarget(train, Number(args['lpca-rows']));
  const calib: Float64Array[] = [];
  for (let i = 0; i < Number(args.calibration); i++) {
    const image = imageAt(train, i);
    calib.push(await caps.normalBundleSpectrum!(image, seed + 10_000 + i, settings));
    image.dispose();
  }
  const scale = calibrateScale(calib.map((s) => (x: number) => normalBundleLid(s, x)), lpca.dimension, { low: -100, high: 100, steps: 100 });
  console.log(`normal bundle: ${settings.numScores} copies at t0=${settings.t0}; scale ${scale.toFixed(3)} calibrated on ${calib.length} FMNIST-train points to LPCA ${lpca.dimension}`);
  rows.push({ name: `normal bundle n=${settings.numScores}`, r: await perPoint(nbPoints, settings.numScores, async (image, i) => normalBundleLid(await caps.normalBundleSpectrum!(image, seed + i, settings), scale)) });
}

console.log('\nestimator                         points  passes/point  s/point  dual AUC  LID-only AUC  naive AUC (same points)');
for (const { name, r } of rows) {
  const m = r.points;
  const e = evaluatePair(
    { logLikelihood: likelihood.values[0].slice(0, m), lid: r.values[0] },
    { logLikelihood: likelihood.values[1].slice(0, m), lid: r.values[1] },
  );
  console.log(`${name.padEnd(34)}${String(m).padStart(6)}${String(r.passes).padStart(14)}${r.seconds.toFixed(2).padStart(9)}${e.dualAuc.toFixed(3).padStart(10)}${e.lidAuc.toFixed(3).padStart(14)}${e.naiveAuc.toFixed(3).padStart(11)}`);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const { name, r } of rows) console.log(`  ${name}: mean LID FMNIST ${mean(r.values[0]).toFixed(1)}, MNIST ${mean(r.values[1]).toFixed(1)}`);
model.dispose();
