// The PyTorch side of the engine benchmarks: bench/engine_torch.py in --serve mode, one request per
// step, so that callers can interleave PyTorch steps with their own (same load on a shared machine).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface TorchHeader {
  torch: string;
  threads: number;
  device: string;
  gpu?: string;
}

export class TorchServer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly header: TorchHeader,
  ) {}

  /** `only`: the workloads to build (engine_torch.py's --only; its default is bench:engine's three). */
  static async start(python: string, script: string, options: { threads: number; device?: string; only?: string[] }): Promise<TorchServer> {
    const args = [script, '--serve', '--threads', String(options.threads), '--device', options.device ?? 'cpu', ...(options.only ? ['--only', options.only.join(',')] : [])];
    const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    const first = await Promise.race([lines.next(), failed]);
    if (first.done) throw new Error(`${script} exited: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`);
    return new TorchServer(child, lines, JSON.parse(first.value) as TorchHeader);
  }

  /** Runs one step of a workload; its wall time in ms. */
  async step(workload: string): Promise<number> {
    this.child.stdin.write(`${JSON.stringify({ workload, steps: 1 })}\n`);
    const reply = await this.lines.next();
    if (reply.done) throw new Error('engine_torch.py stopped answering');
    return (JSON.parse(reply.value) as { runs: number[] }).runs[0]!;
  }

  /** One JSON request of a server that speaks `{cmd, …}` lines (e.g. bench/diffusion_bench_torch.py); its reply. */
  async request(body: Record<string, unknown>): Promise<unknown> {
    this.child.stdin.write(`${JSON.stringify(body)}\n`);
    const reply = await this.lines.next();
    if (reply.done) throw new Error(`the PyTorch server stopped answering (request ${String(body.cmd)})`);
    return JSON.parse(reply.value);
  }

  stop(): void {
    this.child.stdin.end();
  }
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
