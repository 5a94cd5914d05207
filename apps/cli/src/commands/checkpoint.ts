/**
 * `dgm-ood checkpoint inspect FILE [--json]`: list a `torch.save` checkpoint without Python — every tensor's
 * dotted name, dtype, shape and the sha256 of its values (row-major, little-endian, bool one byte each, views
 * resolved), plus the non-tensor entries. The file is read through a restricted unpickler that executes
 * nothing; a damaged or malicious file is exit 2 with one coded error naming the entry and byte offset.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { loadCheckpoint, TorchIoError, type JsonValue } from '@dgm-ood/torch-io';
import { parseArgs, type Command } from '../command.js';
import { EXIT, type CliIo } from '../io.js';

const USAGE = 'dgm-ood checkpoint inspect FILE [--json]';

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  sha256: string;
}

async function inspect(path: string): Promise<{ format: string; tensors: TensorRow[]; values: Record<string, JsonValue> }> {
  const ckpt = await loadCheckpoint(path);
  try {
    const tensors: TensorRow[] = [];
    for (const t of ckpt.tensors.values()) {
      const sha256 = createHash('sha256').update(await ckpt.readBytes(t)).digest('hex');
      tensors.push({ name: t.name, dtype: t.dtype, shape: t.shape, sha256 });
    }
    return { format: ckpt.format, tensors, values: Object.fromEntries(ckpt.values) };
  } finally {
    await ckpt.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

export const checkpointCommand: Command = {
  name: 'checkpoint',
  summary: 'inspect a PyTorch checkpoint (tensors, dtypes, shapes, value hashes) without Python',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args, { booleans: ['--json'], values: [] });
    if ('error' in parsed) {
      io.stderr(`dgm-ood checkpoint: ${parsed.error}\nusage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const [sub, file, ...rest] = parsed.positionals;
    if (sub !== 'inspect' || file === undefined || rest.length > 0) {
      io.stderr(`usage: ${USAGE}\n`);
      return EXIT.usage;
    }
    const json = parsed.flags.has('--json');
    // Binary files are opened by path (CliIo reads text); relative to where the user typed the command.
    const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
    let result: Awaited<ReturnType<typeof inspect>>;
    try {
      result = await inspect(path);
    } catch (e) {
      if (!(e instanceof TorchIoError)) throw e;
      if (json) io.stdout(`${JSON.stringify({ ok: false, file, error: { code: e.code, message: e.message, entry: e.entry ?? null, offset: e.offset ?? null } }, null, 2)}\n`);
      else io.stderr(`${file}: ${e.message} [${e.code}]\n`);
      return EXIT.invalidInput;
    }
    if (json) {
      io.stdout(`${JSON.stringify({ ok: true, file, ...result }, null, 2)}\n`);
      return EXIT.ok;
    }
    const rows = [['name', 'dtype', 'shape', 'sha256'], ...result.tensors.map((t) => [t.name, t.dtype, `[${t.shape.join(', ')}]`, t.sha256])];
    const values = Object.entries(result.values).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`);
    io.stdout(`${file}: torch checkpoint (${result.format} format), ${result.tensors.length} tensors\n${table(rows)}\n${values.length ? `values:\n${values.join('\n')}\n` : ''}`);
    return EXIT.ok;
  },
};
