import { describe, expect, it } from 'vitest';
import { helpText, runCli } from './cli.js';
import type { Command } from './command.js';
import { memoryIo } from './test-io.js';

describe('dgm-ood command dispatch', () => {
  it('lists the commands with --help and exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out).toContain('expand');
    expect(io.out).toContain('usage: dgm-ood <command>');
  });

  it('rejects a missing or unknown command with exit code 1', async () => {
    const io = memoryIo();
    expect(await runCli([], io)).toBe(1);
    expect(await runCli(['explode'], io)).toBe(1);
    expect(io.err).toContain("unknown command 'explode'");
  });

  it('dispatches to any registered command (the registry is extensible)', async () => {
    const seen: string[][] = [];
    const evaluation: Command = { name: 'evaluation', summary: 'test', usage: 'dgm-ood evaluation', run: (args) => (seen.push([...args]), 0) };
    const io = memoryIo();
    expect(await runCli(['evaluation', 'a', '--b'], io, [evaluation])).toBe(0);
    expect(seen).toEqual([['a', '--b']]);
    expect(helpText([evaluation])).toContain('evaluation');
  });
});
