/**
 * On-demand check (not in CI): the full multiscale flow's log-det against log|det| of its autodiff Jacobian,
 * computed with batched VJPs (D backward rows) and an LU decomposition in float64, plus inverse(forward(x)) ≈ x.
 * The RGB flow's Jacobian is 3072×3072 (3072 VJP rows): run it on wasm.
 *
 *   pnpm flows:jacobian --kind rqnsf --data rgb --bins 8 --widths 4,4,8 --backend wasm [--chunk 128] [--seed 1]
 *
 * Exit code 1 when the relative log-det error exceeds 1e-3 or the reconstruction error exceeds 1e-4.
 */
import { parseArgs } from 'node:util';
import { activateBackend } from '@dgm-ood/engine';
import * as tf from '@tensorflow/tfjs';
import { buildFlowModel, checkFlowJacobian, flowPreset, perturbParameters, Rng, scaleCouplingOutputs, withCouplingWidths } from '../src/index.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'rqnsf' },
    data: { type: 'string', default: 'rgb' },
    bins: { type: 'string', default: '8' },
    widths: { type: 'string', default: '4,4,8' },
    backend: { type: 'string', default: 'wasm' },
    chunk: { type: 'string', default: '128' },
    seed: { type: 'string', default: '1' },
  },
});
const kind = values.kind === 'glow' ? 'glow' : 'rqnsf';
const data = values.data === 'grayscale' ? 'grayscale' : 'rgb';
const widths = values.widths!.split(',').map(Number);
const seed = Number(values.seed);

tf.enableProdMode();
await activateBackend(values.backend as 'wasm' | 'cpu');
const spec = withCouplingWidths(flowPreset(`${kind}-${data}`, { seed, numBins: Number(values.bins) }), (level) => widths[level] ?? widths.at(-1)!);
const model = buildFlowModel(spec);
perturbParameters(model, seed + 1, 0.05);
scaleCouplingOutputs(model, 0.3);
const [c, h, w] = spec.dataShape;
const rng = new Rng(seed + 2);
const xt = tf.tensor(rng.fillUniform(new Float32Array(c * h * w), 0.001, 0.999), [1, h, w, c]);
const t0 = Date.now();
const check = checkFlowJacobian(model, xt, { chunk: Number(values.chunk) });
const seconds = (Date.now() - t0) / 1000;
const ok = check.relError <= 1e-3 && check.reconstructionError <= 1e-4;
console.log(
  JSON.stringify({ model: `${kind}-${data}`, numBins: Number(values.bins), widths, backend: tf.getBackend(), dim: c * h * w, ...check, seconds, ok }, null, 1),
);
process.exit(ok ? 0 : 1);
