// Engine benchmark: matmul, conv block forward+backward, one affine-coupling Adam step (see
// engine-workloads.ts), on each tfjs backend available here and on PyTorch (CPU, 2 threads: the fair
// reference). PyTorch runs as a server process and its steps are interleaved with ours, one for one,
// so that both see the same load on a shared machine. Prints times and the speed relative to PyTorch,
// t_torch / t_ours (1 = as fast as PyTorch).
// Run: pnpm bench:engine [--reps 7] [--backends wasm,wasm:2,cpu] [--no-torch] [--python /usr/bin/python3]
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activateBackend, tf, type BackendName } from '@dgm-ood/engine';
import { WORKLOADS, type Workload } from './engine-workloads.js';
import { median, TorchServer } from './torch-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A backend to measure: the project name, plus a thread count for wasm ('wasm:2'). */
interface Target {
  label: string;
  backend: BackendName;
  threads?: number;
}

interface Args {
  reps: number;
  targets: Target[];
  torch: boolean;
  python: string;
}

function parseTarget(spec: string): Target {
  const [name, threads] = spec.split(':');
  const backend = name as BackendName;
  if (!['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new Error(`engine.bench: unknown backend ${spec}`);
  if (threads === undefined) return { label: backend, backend };
  return { label: `${backend} ×${threads} threads`, backend, threads: Number(threads) };
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    reps: 7,
    targets: ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'wasm:2', 'cpu'].map(parseTarget),
    torch: true,
    python: '/usr/bin/python3',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--backends') args.targets = argv[++i]!.split(',').map(parseTarget);
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--python') args.python = argv[++i]!;
    else throw new Error(`engine.bench: unknown argument ${a}; expected --reps N, --backends a,b:2, --no-torch, --python PATH`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error('engine.bench: --reps must be a positive integer');
  return args;
}

interface Row {
  target: Target;
  workload: Workload;
  ours?: number[];
  /** PyTorch with 2 threads (the reference) and with 1 thread (per-core comparison, steadier under load). */
  torch?: number[];
  torch1?: number[];
  skipped?: string;
}

/** Workloads a backend cannot finish in reasonable time: the reason is printed instead. */
function skipReason(t: Target, w: Workload): string | undefined {
  if (t.backend === 'cpu' && w.name !== 'matmul') return 'tfjs-backend-cpu needs minutes per step (its Conv2DBackpropFilter runs at ~0.04 GFLOP/s)';
  return undefined;
}

async function measure(t: Target, w: Workload, reps: number, torch: TorchServer | undefined, torch1: TorchServer | undefined): Promise<Row> {
  const instance = w.create(tf);
  try {
    for (let i = 0; i < 2; i++) await instance.step(); // warm-up: XNNPACK packing, shader compilation
    const ours: number[] = [];
    const torchRuns: number[] = [];
    const torch1Runs: number[] = [];
    const n = t.backend === 'cpu' ? Math.min(reps, 2) : reps;
    for (let i = 0; i < n; i++) {
      // A pause before each PyTorch step: V8's background GC threads, busy right after our step, would
      // otherwise stall PyTorch's two OpenMP threads (its 2-thread timings then jump 10×).
      await sleep(150);
      if (torch) torchRuns.push(await torch.step(w.name));
      await sleep(150);
      const t0 = performance.now();
      await instance.step();
      ours.push(performance.now() - t0);
      await sleep(150);
      if (torch1) torch1Runs.push(await torch1.step(w.name));
    }
    return { target: t, workload: w, ours, ...(torch ? { torch: torchRuns } : {}), ...(torch1 ? { torch1: torch1Runs } : {}) };
  } finally {
    instance.dispose();
  }
}

function report(rows: Row[], torchNote: string): void {
  console.log('');
  console.log(`speed = t_PyTorch / t_ours (medians of interleaved steps; from the fastest steps in brackets) — ${torchNote}`);
  console.log('backend              workload        ours ms (min)      GFLOP/s  PyTorch 2 thr ms (min)  speed           PyTorch 1 thr ms  speed');
  const cell = (xs: number[]) => `${median(xs).toFixed(1).padStart(8)} (${Math.min(...xs).toFixed(1)})`.padEnd(18);
  for (const r of rows) {
    const head = `${r.target.label.padEnd(20)} ${r.workload.name.padEnd(14)}`;
    if (!r.ours) {
      console.log(`${head}  skipped: ${r.skipped}`);
      continue;
    }
    const om = median(r.ours);
    const omin = Math.min(...r.ours);
    let line = `${head} ${cell(r.ours)} ${(r.workload.flops / om / 1e6).toFixed(1).padStart(7)}`;
    if (r.torch) {
      const speed = `${(median(r.torch) / om).toFixed(3)}× (${(Math.min(...r.torch) / omin).toFixed(3)}×)`;
      line += `   ${cell(r.torch)}      ${speed.padEnd(16)}`;
    }
    if (r.torch1) line += `${median(r.torch1).toFixed(1).padStart(8)}          ${(median(r.torch1) / om).toFixed(3)}×`;
    console.log(line);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  tf.enableProdMode();
  console.log(`engine bench: node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('  (2 shared cores: other processes slow both sides; PyTorch steps are interleaved with ours so both see the same load)');
  for (const w of WORKLOADS) console.log(`  ${w.name}: ${w.description}`);

  let torch: TorchServer | undefined;
  let torch1: TorchServer | undefined;
  let torchNote = 'PyTorch reference skipped (--no-torch)';
  if (args.torch) {
    try {
      const script = join(dirname(fileURLToPath(import.meta.url)), 'engine_torch.py');
      torch = await TorchServer.start(args.python, script, { threads: 2 });
      torch1 = await TorchServer.start(args.python, script, { threads: 1 });
      torchNote = `PyTorch ${torch.header.torch} on ${torch.header.device}, ${torch.header.threads} and ${torch1.header.threads} threads`;
    } catch (error) {
      torch?.stop();
      torch = undefined;
      torchNote = `PyTorch reference unavailable: ${(error as Error).message}`;
    }
  }
  console.log(torchNote);

  const rows: Row[] = [];
  try {
    for (const t of args.targets) {
      try {
        await activateBackend(t.backend, t.threads ? { wasm: { threads: t.threads } } : {});
      } catch (error) {
        console.log(`${t.label}: not available — ${(error as Error).message.replace(/^.*cannot be used on this machine: /, '')}`);
        continue;
      }
      for (const w of WORKLOADS) {
        const skipped = skipReason(t, w);
        rows.push(skipped ? { target: t, workload: w, skipped } : await measure(t, w, args.reps, torch, torch1));
      }
    }
  } finally {
    torch?.stop();
    torch1?.stop();
  }
  report(rows, torchNote);
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  process.exit(0); // helper threads and Dawn instances must not keep the process alive
}

await main();
