import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.js';
import { TorchIoError } from './errors.js';
import { ZipReader } from './zip-reader.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const dir = mkdtempSync(join(tmpdir(), 'torch-io-zip-'));

/**
 * A minimal stored-zip writer, so the tests can build what torch writes for files over 4 GB (zip64 sizes,
 * offsets and end records, here saturated on purpose for small entries) and what torch never writes.
 * Its zip64 output was checked by hand to open in Python's zipfile and in torch.load (1.13).
 */
function makeZip(entries: { name: string; data: Uint8Array; method?: number }[], zip64: boolean): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(45, 4);
    local.writeUInt16LE(e.method ?? 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(45, 4);
    cd.writeUInt16LE(45, 6);
    cd.writeUInt16LE(e.method ?? 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt16LE(name.length, 28);
    let extra = Buffer.alloc(0);
    if (zip64) {
      cd.writeUInt32LE(0xffffffff, 20);
      cd.writeUInt32LE(0xffffffff, 24);
      cd.writeUInt32LE(0xffffffff, 42);
      extra = Buffer.alloc(28);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(e.data.length), 4);
      extra.writeBigUInt64LE(BigInt(e.data.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    } else {
      cd.writeUInt32LE(e.data.length, 20);
      cd.writeUInt32LE(e.data.length, 24);
      cd.writeUInt32LE(offset, 42);
    }
    cd.writeUInt16LE(extra.length, 30);
    parts.push(local, name, Buffer.from(e.data));
    central.push(cd, name, extra);
    offset += 30 + name.length + e.data.length;
  }
  const cdBytes = Buffer.concat(central);
  const tail: Buffer[] = [];
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cdBytes.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cdBytes.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
    eocd.writeUInt16LE(0xffff, 8);
    eocd.writeUInt16LE(0xffff, 10);
    eocd.writeUInt32LE(0xffffffff, 12);
    eocd.writeUInt32LE(0xffffffff, 16);
  } else {
    eocd.writeUInt16LE(entries.length, 8);
    eocd.writeUInt16LE(entries.length, 10);
    eocd.writeUInt32LE(cdBytes.length, 12);
    eocd.writeUInt32LE(offset, 16);
  }
  return Buffer.concat([...parts, cdBytes, ...tail, eocd]);
}

async function fixtureEntries(file: string): Promise<{ name: string; data: Uint8Array }[]> {
  const zip = await ZipReader.open(join(FIXTURES, file));
  try {
    const out = [];
    for (const name of zip.entries.keys()) out.push({ name, data: await zip.read(name) });
    return out;
  } finally {
    await zip.close();
  }
}

async function hashes(path: string): Promise<Record<string, string>> {
  const ckpt = await loadCheckpoint(path);
  try {
    const out: Record<string, string> = {};
    for (const t of ckpt.tensors.values()) out[t.name] = createHash('sha256').update(await ckpt.readBytes(t)).digest('hex');
    return out;
  } finally {
    await ckpt.close();
  }
}

describe('ZipReader', () => {
  it('reads zip64 end records and zip64 extra fields (sizes and offsets saturated at 0xffffffff)', async () => {
    const entries = await fixtureEntries('checkpoint-zip.pt');
    const plain = join(dir, 'plain.pt');
    const z64 = join(dir, 'zip64.pt');
    writeFileSync(plain, makeZip(entries, false));
    writeFileSync(z64, makeZip(entries, true));
    const reference = await hashes(join(FIXTURES, 'checkpoint-zip.pt'));
    expect(Object.keys(reference).length).toBeGreaterThan(10);
    expect(await hashes(plain)).toEqual(reference);
    expect(await hashes(z64)).toEqual(reference);
    const zip = await ZipReader.open(z64);
    try {
      const pkl = zip.entries.get('checkpoint-zip/data.pkl')!;
      expect(pkl.size).toBe(entries.find((e) => e.name === 'checkpoint-zip/data.pkl')!.data.length);
      // A range read inside an entry (how a view of a huge storage is read).
      expect(await zip.read('checkpoint-zip/data.pkl', 1, 1)).toEqual(Uint8Array.of(2));
    } finally {
      await zip.close();
    }
  });

  it('refuses a compressed entry, naming it and the method', async () => {
    const entries = await fixtureEntries('checkpoint-zip.pt');
    const path = join(dir, 'deflated.pt');
    writeFileSync(path, makeZip(entries.map((e) => (e.name.endsWith('data.pkl') ? { ...e, method: 8 } : e)), false));
    const error = await loadCheckpoint(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TorchIoError);
    expect(error).toMatchObject({ code: 'DGM_TORCH_IO_ZIP_UNSUPPORTED', entry: 'checkpoint-zip/data.pkl' });
    expect((error as Error).message).toMatch(/compression method 8/);
  });

  it('names a missing storage entry', async () => {
    const entries = await fixtureEntries('checkpoint-zip.pt');
    const path = join(dir, 'missing-storage.pt');
    writeFileSync(path, makeZip(entries.filter((e) => e.name !== 'checkpoint-zip/data/3'), false));
    await expect(loadCheckpoint(path)).rejects.toMatchObject({ code: 'DGM_TORCH_IO_ZIP_INVALID', entry: 'checkpoint-zip/data/3' });
  });
});
