// Cross-backend check on wasm (activated through @dgm-ood/engine, which installs the project's conv weight-
// gradient kernel): the spline, a flow's likelihood and one training step agree with the cpu backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateBackend } from '@dgm-ood/engine';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel } from './build.js';
import { multiscaleFlowSpec } from './presets.js';
import { Rng } from './random.js';
import { rationalQuadraticSpline } from './splines/rational-quadratic.js';
import { rationalQuadraticSplineReference } from './splines/rational-quadratic-reference.js';
import { perturbParameters } from './testing.js';
import { train } from '@dgm-ood/training';
import { flowObjective } from './family-runtime.js';
import { flowFamily } from './family.js';

let dir = '';
beforeAll(async () => {
  tf.enableProdMode();
  await activateBackend('cpu');
  await activateBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'flows-wasm-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const spec = () =>
  multiscaleFlowSpec({
    dataShape: [1, 8, 8],
    coupling: 'rq-spline',
    numBins: 8,
    levels: [
      { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
      { squeeze: 4, blocks: 1, hiddenChannels: 8, conv1x1InBlocks: false },
    ],
    dropout: 0,
    seed: 3,
  });

describe('on the wasm backend', () => {
  it('the spline and its gradients match the float64 reference', () => {
    expect(tf.getBackend()).toBe('wasm');
    const rng = new Rng(1);
    const n = 300;
    const k = 8;
    const data = (len: number, std: number) => Array.from(rng.fillNormal(new Float32Array(len), std));
    const [x, w, h, d] = [data(n, 3), data(n * k, 1), data(n * k, 1), data(n * (k - 1), 1)];
    const r = rationalQuadraticSpline(tf.tensor1d(x), tf.tensor2d(w, [n, k]), tf.tensor2d(h, [n, k]), tf.tensor2d(d, [n, k - 1]), { tailBound: 3 });
    const ref = rationalQuadraticSplineReference(x, w, h, d, k, { tailBound: 3 });
    const out = r.outputs.dataSync();
    const ld = r.logabsdet.dataSync();
    for (let i = 0; i < n; i++) {
      expect(Math.abs(out[i]! - ref.outputs[i]!)).toBeLessThan(1e-4);
      expect(Math.abs(ld[i]! - ref.logabsdet[i]!)).toBeLessThan(1e-4);
    }
    const g = tf.grad((wv: tf.Tensor) => tf.sum(rationalQuadraticSpline(tf.tensor1d(x), wv, tf.tensor2d(h, [n, k]), tf.tensor2d(d, [n, k - 1]), { tailBound: 3 }).logabsdet))(
      tf.tensor2d(w, [n, k]),
    );
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('log p and one training step agree with the cpu backend', async () => {
    const batches = [{ data: Float32Array.from({ length: 8 * 64 }, (_, i) => (i * 37) % 256), shape: [8, 8, 8, 1] as [number, number, number, number] }];
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = buildFlowModel(spec());
      perturbParameters(model, 2, 0.05);
      const x = tf.tensor(batches[0]!.data, batches[0]!.shape);
      const lp = Array.from(await model.logProb(x, { seed: 5 }).data());
      const res = await train({ family: flowFamily, model, objective: flowObjective(model), data: { train: batches }, workdir: join(dir, backend), maxEpochs: 1, seed: 9 });
      const after = Array.from(await model.logProb(x, { seed: 5 }).data());
      model.dispose();
      return { lp, after, res };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.lp.forEach((v, i) => expect(Math.abs(wasm.lp[i]! - v)).toBeLessThan(1e-3 * Math.max(1, Math.abs(v))));
    cpu.after.forEach((v, i) => expect(Math.abs(wasm.after[i]! - v)).toBeLessThan(1e-2 * Math.max(1, Math.abs(v))));
    expect(wasm.res.globalStep).toBe(1);
    await tf.setBackend('wasm');
  });
});
