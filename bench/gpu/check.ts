// GPU check, standalone (no test runner): WebGPU through Dawn on a GPU machine.
//   1. finds a hardware WebGPU adapter (exits 2 with the reason if there is none);
//   2. runs the engine's gradient-check suite on webgpu against cpu (exit 1 if it fails);
//   3. runs the engine benchmark workloads (bench/engine-workloads.ts) on webgpu, interleaved step by
//      step with PyTorch on the same card (bench/engine_torch.py --device cuda), and prints the speed
//      relative to PyTorch (t_torch / t_ours);
//      then the sizes as our trainer runs them against PyTorch's own loop (bench/gpu/gpu-comparisons.ts):
//      matmul 4096³, conv block b128, affine and RQ-spline coupling steps b64 and b256, U-Net step; t_ours / t_PyTorch;
//   4. the GPU time profile: for the same workloads, stock and ours, the GPU's busy time per step (each dispatch timed
//      with timestamp queries, by kernel/program) against the untimed wall time (bench/gpu/gpu-times.ts);
//   5. counts dispatches, queue submits, copies, buffer creations and host reads per training step (the coupling
//      step and the diffusion U-Net step: stock tfjs-webgpu, tfjs's knobs, ours: bench/gpu-dispatch-profile.ts).
// Results also go to <--out>/gpu-check.json. See README.md beside this file for preparing the bundle
// (prepare.sh) and running it on a machine that has no Node.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activateBackend, formatGradCheckReport, probeWebGpu, runGradCheck, tf } from '@dgm-ood/engine';
import { WORKLOADS } from '../engine-workloads.js';
import { couplingTrainingStep, rqCouplingTrainingStep, formatProfile, formatReduction, formatTopPrograms, KNOB_SETTINGS, profileSteps, unetTrainingStep, type StepProfile } from '../gpu-dispatch-profile.js';
import { median, TorchServer } from '../torch-server.js';
import { runGpuComparisons } from './gpu-comparisons.js';
import { runGpuTimeProfiles } from './gpu-times.js';

interface Args {
  reps: number;
  python: string;
  torchScript: string;
  torch: boolean;
  out: string | undefined;
  /** Accept a CPU renderer (Mesa llvmpipe through Dawn's OpenGL backend): only to test this script where there is no GPU. */
  software: boolean;
  /** Only step 5 (the dispatch counts): skips the gradient check, the benchmarks and the GPU times. */
  dispatchesOnly: boolean;
  /** Skips step 4 (the GPU time profile). */
  gpuTimes: boolean;
  /** Tiny sizes for the GPU comparisons (to check this script on a software adapter). */
  small: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { reps: 10, python: 'python3', torchScript: 'bench/engine_torch.py', torch: true, out: process.env.OUT, software: false, dispatchesOnly: false, gpuTimes: true, small: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--python') args.python = argv[++i]!;
    else if (a === '--torch-script') args.torchScript = argv[++i]!;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--out') args.out = argv[++i]!;
    else if (a === '--software') args.software = true;
    else if (a === '--dispatches-only') args.dispatchesOnly = true;
    else if (a === '--small') args.small = true;
    else if (a === '--no-gpu-times') args.gpuTimes = false;
    else throw new Error(`gpu check: unknown argument ${a}; expected --reps N, --python PATH, --torch-script PATH, --no-torch, --out DIR, --software, --dispatches-only, --no-gpu-times, --small`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error('gpu check: --reps must be a positive integer');
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const result: Record<string, unknown> = { node: process.version, vkDriverFiles: process.env.VK_DRIVER_FILES ?? null };
  const save = () => {
    if (args.out === undefined) return;
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'gpu-check.json'), `${JSON.stringify(result, null, 2)}\n`);
  };
  console.log(`gpu check: node ${process.version}, VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? '(unset)'}`);
  tf.enableProdMode();

  // 1. A hardware adapter, or a clear reason why not.
  if (args.software) process.env.EGL_PLATFORM ??= 'surfaceless';
  // On a card, Dawn's unsafe APIs and unquantized timestamps for step 4's per-dispatch GPU times (Dawn may round
  // timestamps to 100 µs otherwise); a Dawn that refuses the toggles gets the plain instance.
  let webgpu: Parameters<typeof probeWebGpu>[0] = args.software
    ? { dawnFlags: ['backend=opengl'], featureLevel: 'compatibility' as const, allowSoftwareAdapter: true }
    : { dawnFlags: ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization'] };
  try {
    let probe;
    try {
      probe = await probeWebGpu(webgpu);
    } catch (error) {
      if (args.software) throw error;
      console.log(`WebGPU with timestamp toggles failed (${(error as Error).message}); trying without them`);
      webgpu = {};
      probe = await probeWebGpu(webgpu);
    }
    const { verdict } = probe;
    console.log(`WebGPU adapter: ${verdict.label}`);
    result.adapter = verdict.label;
  } catch (error) {
    const reason = (error as Error).message;
    console.error(`gpu check: no usable WebGPU adapter: ${reason}`);
    console.error('  (on a GPU machine: unpack the Vulkan/GL loader .debs and set VK_DRIVER_FILES to the NVIDIA ICD — see bench/gpu/README.md)');
    result.error = reason;
    save();
    return 2;
  }
  await activateBackend('cpu');
  const selection = await activateBackend('webgpu', { source: 'gpu check', webgpu });
  console.log(selection.reason);

  const passed = args.dispatchesOnly ? true : await gradCheckAndBench(args, result, save);
  await countDispatches(args, result, save);
  return passed ? 0 : 1;
}

/** Steps 2 and 3; whether the gradient check passed. */
async function gradCheckAndBench(args: Args, result: Record<string, unknown>, save: () => void): Promise<boolean> {
  // 2. Gradient checks against cpu.
  const t0 = performance.now();
  const report = await runGradCheck({ backends: ['webgpu'] });
  console.log(formatGradCheckReport(report));
  console.log(`gradient check: ${report.passed ? 'passed' : 'FAILED'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  result.gradcheck = report;
  save();

  // 3. Benchmarks, interleaved with PyTorch on the same card.
  let torch: TorchServer | undefined;
  if (args.torch) {
    try {
      torch = await TorchServer.start(args.python, args.torchScript, { threads: 2, device: args.software ? 'cpu' : 'cuda' });
      console.log(`PyTorch ${torch.header.torch} on ${torch.header.gpu ?? torch.header.device}`);
      result.torch = torch.header;
    } catch (error) {
      console.log(`PyTorch reference unavailable: ${(error as Error).message}`);
    }
  }
  const rows: Array<Record<string, unknown>> = [];
  try {
    await tf.setBackend('webgpu');
    for (const w of WORKLOADS) {
      const instance = w.create(tf);
      try {
        for (let i = 0; i < 3; i++) await instance.step(); // shader compilation, buffer pools
        const ours: number[] = [];
        const ref: number[] = [];
        for (let i = 0; i < args.reps; i++) {
          if (torch) ref.push(await torch.step(w.name));
          const s = performance.now();
          await instance.step();
          ours.push(performance.now() - s);
        }
        const om = median(ours);
        const row: Record<string, unknown> = { workload: w.name, oursMs: om, oursMinMs: Math.min(...ours), gflops: w.flops / om / 1e6 };
        let line = `webgpu ${w.name.padEnd(14)} ${om.toFixed(2).padStart(9)} ms  ${(w.flops / om / 1e6).toFixed(1).padStart(8)} GFLOP/s`;
        if (ref.length > 0) {
          const tm = median(ref);
          Object.assign(row, { torchMs: tm, speedVsTorch: tm / om });
          line += `   PyTorch ${tm.toFixed(2).padStart(8)} ms   speed ${(tm / om).toFixed(4)}×`;
        }
        console.log(line);
        rows.push(row);
      } finally {
        instance.dispose();
      }
    }
  } finally {
    torch?.stop();
  }
  result.bench = rows;
  save();

  // 3b. The sizes, each as our trainer runs it, against PyTorch on the same card.
  console.log(`\nours against PyTorch on the same card (${args.small ? 'small sizes: checking the script only' : 'matmul 4096³, conv block b128, affine and RQ coupling b64/b256, U-Net'}):`);
  result.comparisons = await runGpuComparisons(tf, {
    reps: args.reps,
    python: args.python,
    device: args.software ? 'cpu' : 'cuda',
    small: args.small,
    torch: args.torch,
    log: (line) => console.log(line),
  });
  save();

  // 4. Where the time goes: GPU busy time per step by kernel/program, against the untimed wall time.
  if (args.gpuTimes) {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    console.log(`\nGPU time per step (timestamp-query ${device.features.has('timestamp-query') ? 'on' : 'not available'}; each dispatch timed alone, wall time untimed and pipelined):`);
    result.gpuTimes = await runGpuTimeProfiles(tf, { small: args.small, reps: Math.max(3, Math.ceil(args.reps / 2)), timedSteps: 2, log: (line) => console.log(line) });
    save();
  }
  return report.passed;
}

/** Step 5: dispatches and host reads per training step (the same on any adapter, so small on a software one). */
async function countDispatches(args: Args, result: Record<string, unknown>, save: () => void): Promise<void> {
  await tf.setBackend('webgpu');
  const profiles: StepProfile[] = [];
  for (const w of [couplingTrainingStep(args.software ? 2 : 64), rqCouplingTrainingStep(args.software ? 2 : 64), unetTrainingStep('vp-unet-cpu', args.software ? 2 : 8)]) {
    console.log(`\ndispatches per training step — ${w.name}: ${w.description}`);
    let stock: StepProfile | undefined;
    let ours: StepProfile | undefined;
    for (const setting of KNOB_SETTINGS) {
      const p = await profileSteps(tf, w, setting, 3, 2);
      stock ??= p;
      if (setting.name === 'ours') ours = p;
      console.log(formatProfile(p, stock));
      profiles.push(p);
    }
    console.log(`  most dispatches (stock, per step, kernel/program):\n${formatTopPrograms(stock!, 12)}`);
    console.log(`  most dispatches (ours, per step, kernel/program):\n${formatTopPrograms(ours!, 12)}`);
    console.log(formatReduction(ours!, stock!));
  }
  result.dispatches = profiles;
  save();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`gpu check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(3);
  },
);
