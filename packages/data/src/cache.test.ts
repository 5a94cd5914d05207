import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFileBase, fingerprintFiles, readCachedPool, writeCachedPool } from './cache.js';
import { makeTmpDir } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

describe('decoded-pool cache files', () => {
  const key = { dataset: 'celeba-small', part: 'all', size: [2, 2] as const };
  const src = join(tmp.dir, 'a.jpg');
  writeFileSync(src, 'x');

  it('round-trips uint8 pixels with labels and float32 pixels without', async () => {
    const fp = await fingerprintFiles(tmp.dir, [src]);
    const pool = { images: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 1, 2, 2] as [number, number, number, number], labels: Int32Array.from([-1, 7]) };
    await writeCachedPool(join(tmp.dir, 'c1'), key, fp, pool);
    expect(await readCachedPool(join(tmp.dir, 'c1'), key, fp)).toEqual(pool);
    const floats = { images: Float32Array.from([0.5, 1.5, 2.5, 3.5]), shape: [1, 1, 2, 2] as [number, number, number, number] };
    await writeCachedPool(join(tmp.dir, 'c2'), key, fp, floats);
    expect(await readCachedPool(join(tmp.dir, 'c2'), key, fp)).toEqual(floats);
  });

  it('misses on a different fingerprint, a truncated binary, or a garbled header', async () => {
    const dir = join(tmp.dir, 'c3');
    const fp = await fingerprintFiles(tmp.dir, [src]);
    await writeCachedPool(dir, key, fp, { images: new Uint8Array(4), shape: [1, 1, 2, 2] });
    expect(await readCachedPool(dir, key, { ...fp, digest: 'other' })).toBeUndefined();
    writeFileSync(`${cacheFileBase(dir, key)}.bin`, new Uint8Array(3));
    expect(await readCachedPool(dir, key, fp)).toBeUndefined();
    writeFileSync(`${cacheFileBase(dir, key)}.json`, '{');
    expect(await readCachedPool(dir, key, fp)).toBeUndefined();
  });

  it('fingerprints paths, sizes and mtimes', async () => {
    const a = await fingerprintFiles(tmp.dir, [src]);
    writeFileSync(src, 'xy');
    const b = await fingerprintFiles(tmp.dir, [src]);
    expect(b.digest).not.toBe(a.digest);
    await expect(fingerprintFiles(tmp.dir, [join(tmp.dir, 'missing.jpg')])).rejects.toThrow(/ENOENT/);
  });
});
