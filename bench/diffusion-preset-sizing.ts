// Sizing a CPU preset of the diffusion U-Net (issue 12): the time of one training step on wasm (forward, backward
// w.r.t. every parameter, Adam update) at batch 64 on 32×32×1 images, and of one forward pass (a PF-ODE function
// evaluation), for a few small UNet2D configurations, with their parameters and forward FLOPs/image.
// The loss is a denoising-score-matching stand-in (mean((s(x + σz, t) + z)²)); its cost beyond the network is
// negligible. Inputs are drawn once per configuration so that only the network is timed.
// Run: ./node_modules/.bin/tsx bench/diffusion-preset-sizing.ts [--batch 64] [--steps 3] [--warmup 1] [--only name,name]
// Wasm threads follow initEngine (2 on a 2-core machine unless DGM_OOD_WASM_THREADS says otherwise).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { convHelperThreads, initEngine, tf } from '@dgm-ood/engine';
import { countUNetParameters, UNET_DEFAULTS, UNet2D, unetFlopsPerImage, type UNetSpec } from '../packages/diffusion/src/unet/index.js';

interface Candidate {
  name: string;
  spec: UNetSpec;
}

/** 32×32×1, one level per entry of `channels`; attention (if any) at the lowest resolution: last down, first up, mid. */
function candidate(channels: number[], layersPerBlock: number, attention: boolean, normNumGroups: number): Candidate {
  const last = channels.length - 1;
  const lowest = 32 / 2 ** last;
  return {
    name: `[${channels.join(',')}] L${layersPerBlock} G${normNumGroups} ${attention ? `attn@${lowest}x${lowest}` : 'no-attn'}`,
    spec: {
      ...UNET_DEFAULTS,
      sampleSize: 32,
      inChannels: 1,
      outChannels: 1,
      layersPerBlock,
      blockOutChannels: channels,
      downBlockTypes: channels.map((_, i) => (attention && i === last ? 'AttnDownBlock2D' : 'DownBlock2D')),
      upBlockTypes: channels.map((_, i) => (attention && i === 0 ? 'AttnUpBlock2D' : 'UpBlock2D')),
      normNumGroups,
      midBlockAttention: attention,
    },
  };
}

const CANDIDATES: Candidate[] = [
  candidate([16, 16, 32], 1, false, 8),
  candidate([16, 16, 32], 1, true, 8),
  candidate([16, 16, 32, 32], 1, true, 8),
  candidate([16, 32, 32], 1, false, 8),
  candidate([16, 32, 32], 1, true, 8),
  candidate([16, 32, 32, 32], 1, true, 8),
  candidate([16, 32, 32], 2, true, 8),
  candidate([16, 32, 64], 1, true, 8),
  candidate([32, 32, 64], 1, false, 32),
  candidate([32, 32, 64], 1, true, 32),
  candidate([32, 64, 64], 1, false, 32),
  candidate([32, 64, 64], 1, true, 32),
  candidate([32, 64, 64], 2, true, 32),
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { batch: { type: 'string', default: '64' }, steps: { type: 'string', default: '3' }, warmup: { type: 'string', default: '1' }, only: { type: 'string' } },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const only = values.only?.split(',');
  const engine = await initEngine({ backend: 'wasm' });
  console.log(`backend ${engine.backend} (${convHelperThreads() + 1} thread(s)), batch ${batch}, ${warmup} warm-up + ${steps} timed steps; load ${load()}`);
  const candidates = only ? CANDIDATES.filter((c, i) => only.includes(String(i)) || only.includes(c.name)) : CANDIDATES;
  for (const { name, spec } of candidates) {
    const net = new UNet2D(spec, { seed: 0 });
    const vars = net.parameters();
    const optimizer = tf.train.adam(2e-4);
    const x0 = tf.randomUniform([batch, 32, 32, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const z = tf.randomNormal([batch, 32, 32, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const t = tf.randomUniform([batch], 1e-3, 1, 'float32', 3) as tf.Tensor1D;
    const xt = tf.tidy(() => tf.add(x0, tf.mul(z, 0.5))) as tf.Tensor4D;
    const step = async (): Promise<number> => {
      const t0 = performance.now();
      const loss = optimizer.minimize(() => tf.mean(tf.square(tf.add(net.apply(xt, t, { training: true, seed: 0 }), z))) as tf.Scalar, true, vars);
      await loss!.data();
      loss!.dispose();
      return performance.now() - t0;
    };
    const forward = async (): Promise<number> => {
      const t0 = performance.now();
      const y = net.apply(xt, t);
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    for (let i = 0; i < warmup; i++) await step();
    const stepMs: number[] = [];
    for (let i = 0; i < steps; i++) stepMs.push(await step());
    await forward();
    const fwdMs: number[] = [];
    for (let i = 0; i < steps; i++) fwdMs.push(await forward());
    const flops = unetFlopsPerImage(spec);
    const gflops = (3 * flops * batch) / (median(stepMs) / 1000) / 1e9;
    console.log(
      `${name.padEnd(30)} params ${String(countUNetParameters(spec)).padStart(9)}  fwd ${(flops / 1e6).toFixed(0).padStart(4)} MFLOP/img  ` +
        `step ${(median(stepMs) / 1000).toFixed(2)} s [${stepMs.map((m) => (m / 1000).toFixed(2)).join(' ')}] (~${gflops.toFixed(1)} GFLOP/s at 3× fwd)  ` +
        `forward ${(median(fwdMs) / 1000).toFixed(2)} s  load ${load()}  (${tf.memory().numTensors} tensors live)`,
    );
    optimizer.dispose();
    tf.dispose([x0, z, t, xt]);
    net.dispose();
  }
  process.exit(0);
}

await main();
