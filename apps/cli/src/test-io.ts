/** An in-memory CliIo for tests. */
import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';

export function memoryIo(files: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    readFile(p: string): string {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT: no such file '${p}'`);
      return text;
    },
  };
  return io;
}

/** A memory io that reads real files (for commands given paths on disk, e.g. --config). */
export function fileIo(): ReturnType<typeof memoryIo> {
  const io = memoryIo();
  io.readFile = (p: string) => readFileSync(p, 'utf8');
  return io;
}
