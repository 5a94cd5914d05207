/**
 * `dgm-ood sweep results SWEEP [--csv] [--reference-names] [--out FILE]`: a sweep's per-point scores — a JSON array
 * read through the JSON pages of GET /sweeps/:id/results, or with --csv the coordinator's CSV stream as it
 * comes. --reference-names asks for the reference project's W&B table export (`names=reference`: its score
 * column names and the run columns _defaultColorIndex, id, name), which the reference notebooks read. Written to
 * stdout, or to FILE (then a line says how many rows).
 */
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { EXIT, type CliIo } from '../../io.js';
import { resolveSweepId } from '../../remote/api.js';
import type { RemoteContext, RemoteSubcommand } from '../../remote/command-group.js';

/** JSON pages are this long (the route's maximum is 10,000). */
const PAGE_ROWS = 5000;

/** Where the export goes: stdout (text) or a file (bytes as they come). */
interface Sink {
  write(chunk: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

function stdoutSink(io: CliIo): Sink {
  const decoder = new TextDecoder();
  return {
    async write(chunk) {
      io.stdout(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    },
    async close() {
      const rest = decoder.decode();
      if (rest) io.stdout(rest);
    },
  };
}

function fileSink(path: string): Sink {
  const out = createWriteStream(path);
  let failure: Error | undefined;
  out.on('error', (error) => (failure = error));
  return {
    async write(chunk) {
      if (failure) throw failure;
      // Backpressure: a large export is not held in memory.
      if (!out.write(chunk)) await once(out, 'drain');
    },
    async close() {
      if (failure) throw failure;
      out.end();
      await once(out, 'close');
      if (failure) throw failure;
    },
  };
}

/** An error of the file system (it names a syscall), not of the coordinator. */
const isFileError = (error: unknown): error is NodeJS.ErrnoException => error instanceof Error && 'syscall' in error;

/** Counts CSV records (newlines outside quoted fields) across chunks. */
function csvRecordCounter() {
  let quoted = false;
  let records = 0;
  return {
    add(text: string) {
      for (const ch of text) {
        if (ch === '"') quoted = !quoted;
        else if (ch === '\n' && !quoted) records++;
      }
    },
    get records() {
      return records;
    },
  };
}

export const resultsSubcommand: RemoteSubcommand = {
  name: 'results',
  synopsis: 'SWEEP [--csv] [--reference-names] [--out FILE]',
  summary: "a sweep's per-point scores as JSON or CSV; --reference-names: the reference's W&B table export (its column and run names)",
  positionals: ['SWEEP'],
  booleans: ['--csv', '--reference-names'],
  values: ['--out'],
  async run(ctx: RemoteContext): Promise<number> {
    const { io, coordinator, label } = ctx;
    const id = await resolveSweepId(coordinator, ctx.args[0]!);
    const names = ctx.has('--reference-names') ? 'reference' : undefined;
    const outFlag = ctx.flag('--out');
    // Relative to where the user typed the command (pnpm runs scripts from the workspace root).
    const outPath = outFlag === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), outFlag);
    let rows = 0;
    let sink: Sink | undefined;
    const open = () => (sink ??= outPath === undefined ? stdoutSink(io) : fileSink(outPath));
    try {
      if (ctx.has('--csv')) {
        const body = await coordinator.stream(`/sweeps/${id}/results`, { accept: 'text/csv', query: { names } });
        const counter = csvRecordCounter();
        const decoder = new TextDecoder();
        for await (const chunk of body) {
          counter.add(decoder.decode(chunk, { stream: true }));
          await open().write(chunk);
        }
        rows = Math.max(0, counter.records - 1);
      } else {
        let after = 0;
        for (;;) {
          const page = await coordinator.json<{ items: unknown[]; next: number | null }>('GET', `/sweeps/${id}/results`, { query: { after, limit: PAGE_ROWS, names } });
          // Opened once the coordinator has answered: a refused request leaves no file behind.
          if (after === 0) await open().write('[');
          for (const item of page.items) await open().write(`${rows++ === 0 ? '\n' : ',\n'}  ${JSON.stringify(item)}`);
          if (page.next === null) break;
          after = page.next;
        }
        await open().write(rows === 0 ? ']\n' : '\n]\n');
      }
      await open().close();
    } catch (error) {
      if (outPath !== undefined && isFileError(error)) {
        io.stderr(`${label}: --out ${outFlag}: cannot write ${outPath}: ${(error as Error).message}\n`);
        return EXIT.invalidInput;
      }
      throw error;
    }
    if (outPath !== undefined) io.stdout(`wrote ${rows} result row${rows === 1 ? '' : 's'} of sweep ${id} to ${outPath}\n`);
    return EXIT.ok;
  },
};
