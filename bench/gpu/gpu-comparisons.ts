/**
 * bench/gpu/check.ts's measurements against PyTorch on the same card (issue 18, acceptance 2): matmul 4096³, the
 * conv block forward+backward at batch 128, the affine and the RQ-spline coupling training steps at batch 64 and 256
 * and the U-Net training step, each as our trainer runs it (gradients, clipping 1.0, AdamW, the loss and gradient norm read a step late)
 * against PyTorch's own loop (clip_grad_norm_, Adam, the loss and norm read back every step). `small` sizes only
 * check the script (software adapter, PyTorch on the CPU).
 */
import { FORCEABLE_GEMM_TILINGS, tf as tfjs, WEBGPU_GEMM_FLAG } from '@dgm-ood/engine';
import { convBlockWorkload, matmulWorkload, type Workload } from '../engine-workloads.js';
import { couplingTrainingStep, pipelined, rqCouplingTrainingStep, unetTrainingStep } from '../gpu-dispatch-profile.js';
import { median, TorchServer } from '../torch-server.js';
import { resolveDiffusionModelSpec } from '../../packages/diffusion/src/presets.js';
import type { DiffusionModelSpec } from '../../packages/diffusion/src/spec.js';

type Tf = typeof tfjs;

export interface ComparisonRow {
  name: string;
  description: string;
  oursMs: number;
  torchMs: number | null;
  /** t_ours / t_PyTorch: how many times slower we are (the goals are ≤ 5). */
  slowdown: number | null;
  gflops: number | null;
}

export interface ComparisonOptions {
  reps: number;
  python: string;
  device: 'cuda' | 'cpu';
  small: boolean;
  torch: boolean;
  log: (line: string) => void;
}

async function timeInterleaved(ours: () => Promise<void>, torch: (() => Promise<number>) | null, reps: number): Promise<{ ours: number; torch: number | null }> {
  for (let i = 0; i < 3; i++) {
    await ours(); // shader compilation, buffer pools
    if (torch) await torch();
  }
  const o: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    if (torch) t.push(await torch());
    const s = performance.now();
    await ours();
    o.push(performance.now() - s);
  }
  return { ours: median(o), torch: torch ? median(t) : null };
}

export async function runGpuComparisons(tf: Tf, o: ComparisonOptions): Promise<ComparisonRow[]> {
  const sized = (big: string, small: string) => (o.small ? small : big);
  const kernels: Array<{ w: Workload; torchName: string }> = [
    { w: matmulWorkload(o.small ? 128 : 4096, 'matmul'), torchName: sized('matmul_4096', 'matmul_small') },
    { w: convBlockWorkload(o.small ? 2 : 128, 'conv_block'), torchName: sized('conv_block_b128', 'conv_block_small') },
  ];
  const batches = o.small ? [2] : [64, 256];
  const couplings = batches.map((b) => ({ w: couplingTrainingStep(b), label: `coupling_step b${b}`, torchName: o.small ? 'coupling_train_small' : `coupling_train_b${b}` }));
  // The RQ-spline coupling (the reference's flows): its PyTorch side imports bench/flows_torch.py, so it has its own
  // server — were that import to fail on the GPU machine, the other comparisons still run.
  const rqCouplings = batches.map((b) => ({ w: rqCouplingTrainingStep(b), label: `rq_coupling_step b${b}`, torchName: o.small ? 'rq_coupling_train_small' : `rq_coupling_train_b${b}` }));
  const rows: ComparisonRow[] = [];
  let torch: TorchServer | null = null;
  if (o.torch) {
    try {
      torch = await TorchServer.start(o.python, 'bench/engine_torch.py', { threads: 2, device: o.device, only: [...kernels.map((k) => k.torchName), ...couplings.map((c) => c.torchName)] });
      o.log(`PyTorch ${torch.header.torch} on ${torch.header.gpu ?? torch.header.device}`);
    } catch (error) {
      o.log(`PyTorch reference unavailable: ${(error as Error).message}`);
    }
  }
  const row = (name: string, description: string, t: { ours: number; torch: number | null }, flops: number | null): ComparisonRow => {
    const r = { name, description, oursMs: t.ours, torchMs: t.torch, slowdown: t.torch === null ? null : t.ours / t.torch, gflops: flops === null ? null : flops / t.ours / 1e6 };
    o.log(
      `${name.padEnd(20)} ours ${t.ours.toFixed(2).padStart(9)} ms` +
        (t.torch === null ? '' : `   PyTorch ${t.torch.toFixed(2).padStart(8)} ms   ours/PyTorch ${(t.ours / t.torch).toFixed(2)}×`) +
        (flops === null ? '' : `   ${(flops / t.ours / 1e9).toFixed(2)} TFLOP/s`),
    );
    return r;
  };
  try {
    // The GEMM behind matMul and conv2d: as chosen (auto), then tfjs's own programs (stock) and each tiling forced
    // that the device's workgroup limit allows, so that one run on a card says which wins where (gemm-tiling.ts).
    const limit = (tf.backend() as unknown as { device?: GPUDevice }).device?.limits.maxComputeInvocationsPerWorkgroup ?? 0;
    const modes = ['auto', 'stock', ...FORCEABLE_GEMM_TILINGS.filter((t) => t.wgX * t.wgY <= limit).map((t) => t.name)];
    for (const { w, torchName } of kernels) {
      for (const mode of modes) {
        tf.env().set(WEBGPU_GEMM_FLAG, mode);
        const instance = w.create(tf);
        try {
          const label = mode === 'auto' ? w.name : `${w.name} [${mode}]`;
          rows.push(row(label, `${w.description}, GEMM ${mode}`, await timeInterleaved(() => instance.step(), torch ? () => torch!.step(torchName) : null, o.reps), w.flops));
        } finally {
          instance.dispose();
          tf.env().set(WEBGPU_GEMM_FLAG, 'auto');
        }
      }
    }
    const trainingSteps = async (list: typeof couplings, server: TorchServer | null) => {
      for (const { w, label, torchName } of list) {
        const p = pipelined(w.create(tf));
        try {
          rows.push(row(label, w.description, await timeInterleaved(() => p.step(), server ? () => server.step(torchName) : null, o.reps), null));
        } finally {
          await p.dispose();
        }
      }
    };
    await trainingSteps(couplings, torch);
    torch?.stop();
    torch = null;
    if (o.torch) {
      try {
        torch = await TorchServer.start(o.python, 'bench/engine_torch.py', { threads: 2, device: o.device, only: rqCouplings.map((c) => c.torchName) });
      } catch (error) {
        o.log(`PyTorch RQ-spline coupling reference unavailable: ${(error as Error).message}`);
      }
    }
    await trainingSteps(rqCouplings, torch);
  } finally {
    torch?.stop();
  }
  // The U-Net step: bench/diffusion_bench_torch.py builds the same network from the same spec.
  const preset = o.small ? 'vp-unet-cpu' : 'vp-unet-reference-grayscale';
  const batch = o.small ? 2 : 32;
  const unet = unetTrainingStep(preset, batch);
  let unetTorch: TorchServer | null = null;
  if (o.torch) {
    try {
      unetTorch = await TorchServer.start(o.python, 'bench/diffusion_bench_torch.py', { threads: 2, device: o.device });
      const spec = resolveDiffusionModelSpec({ preset }, { seed: 0, path: 'model' }) as DiffusionModelSpec;
      const { type: _type, ...network } = spec.network;
      const built = (await unetTorch.request({ cmd: 'build', spec: network, seed: 0 })) as { parameters: number };
      o.log(`PyTorch U-Net (${preset}): ${built.parameters} parameters`);
    } catch (error) {
      o.log(`PyTorch U-Net reference unavailable: ${(error as Error).message}`);
      unetTorch?.stop();
      unetTorch = null;
    }
  }
  const p = pipelined(unet.create(tf));
  try {
    let seed = 0;
    const torchStep = unetTorch ? async () => ((await unetTorch!.request({ cmd: 'train_steps', n: 1, batch, seed: seed++ })) as { ms: number[] }).ms[0]! : null;
    rows.push(row('unet_step', unet.description, await timeInterleaved(() => p.step(), torchStep, Math.max(3, Math.ceil(o.reps / 2))), null));
  } finally {
    await p.dispose();
    unetTorch?.stop();
  }
  return rows;
}
