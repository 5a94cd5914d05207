import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCelebaPartition } from './datasets-folders.js';
import { writeSamplesAsPng } from './image-files.js';
import { loadDataset } from './registry.js';
import { resizeUint8 } from './resize.js';
import { solid, writeJpeg, writeOneBitPng, writePng } from './testing/image-writer.js';
import { makeTmpDir, recordingLogger } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

/** Per-channel means of image k of an NCHW uint8/float array. */
function channelMeans(x: { images: Uint8Array | Float32Array; shape: number[] }, k: number): number[] {
  const [, c, h, w] = x.shape as [number, number, number, number];
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    const o = (k * c + ch) * h * w;
    for (let p = 0; p < h * w; p++) s += x.images[o + p]!;
    return s / (h * w);
  });
}

describe('omniglot', () => {
  const dataDir = join(tmp.dir, 'omni');
  const root = join(dataDir, 'omniglot/omniglot-py/images_background');
  // 2 alphabets × 2 characters × 5 drawings; character k draws a filled square of side 4 + 2k on white.
  const chars = [['Greek', 'character01'], ['Greek', 'character02'], ['Latin', 'character01'], ['Latin', 'character02']] as const;
  const S = 21;
  // written in reverse order to check the sorting
  [...chars].reverse().forEach(([alphabet, character]) => {
    const k = chars.findIndex((c) => c[0] === alphabet && c[1] === character);
    for (let d = 5; d >= 1; d--) {
      const side = 4 + 2 * k;
      const bits = Array.from({ length: S * S }, (_, p) => !(Math.floor(p / S) < side && p % S < side)); // white = true
      writeOneBitPng(join(root, alphabet, character, `${1000 + k}_${String(d).padStart(2, '0')}.png`), bits, S, S);
    }
  });

  it('reads 1-bit PNGs in torchvision order, label = character index, resized to 28×28 and inverted', async () => {
    const all = await loadDataset('omniglot', 'train', { dataDir, validFraction: 0, cacheDir: false });
    const test = await loadDataset('omniglot', 'test', { dataDir, cacheDir: false });
    expect(all.shape).toEqual([18, 1, 28, 28]);
    expect(test.shape).toEqual([2, 1, 28, 28]);
    expect(all.source.files[0]).toBe(join(root, 'Greek/character01/1000_01.png'));
    expect(all.source.scheme).toEqual({ kind: 'holdout', validOf: 'all' });
    for (const ds of [all, test]) ds.indices.forEach((p, k) => {
      const character = Math.floor(p / 5);
      expect(ds.labels![k]).toBe(character);
      // inverted: the (black) square becomes bright, the white background dark
      const side = 4 + 2 * character;
      const src = Uint8Array.from({ length: S * S }, (_, q) => (Math.floor(q / S) < side && q % S < side ? 0 : 255));
      const expected = resizeUint8(src, [1, 1, S, S], [28, 28]).map((v) => 255 - v);
      expect(ds.images.subarray(k * 784, (k + 1) * 784)).toEqual(expected);
    });
  });

  it('takes valid = ⌊vf·N⌋ of the whole set', async () => {
    const valid = await loadDataset('omniglot', 'valid', { dataDir, validFraction: 0.1, cacheDir: false });
    expect(valid.shape[0]).toBe(2);
  });
});

describe('celeba', () => {
  const colours: Record<string, number[]> = { '000001.jpg': [250, 10, 10], '000002.jpg': [10, 250, 10], '000003.jpg': [10, 10, 250], '000004.jpg': [128, 128, 0], '000005.jpg': [0, 90, 200] };
  const partition = '000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n000005.jpg 0\n';

  it('reads the official partition in file order (torchvision layout), resized to 32×32', async () => {
    const dataDir = join(tmp.dir, 'celeba');
    const root = join(dataDir, 'celeba/celeba');
    for (const [name, colour] of Object.entries(colours)) await writeJpeg(join(root, 'img_align_celeba', name), solid(3, 218, 178, colour), 3, 218, 178);
    writeFileSync(join(root, 'list_eval_partition.txt'), partition);
    const train = await loadDataset('celeba', 'train', { dataDir, cacheDir: false, validFraction: 0.3 });
    expect(train.shape).toEqual([3, 3, 32, 32]);
    expect([...train.indices]).toEqual([0, 1, 2]); // as-is: the partition ignores validFraction
    expect(train.source.files.map((f) => f.slice(-10))).toEqual(['000001.jpg', '000002.jpg', '000005.jpg']);
    ['000001.jpg', '000002.jpg', '000005.jpg'].forEach((name, k) =>
      channelMeans(train, k).forEach((m, c) => expect(Math.abs(m - colours[name]![c]!)).toBeLessThan(3)),
    );
    expect((await loadDataset('celeba', 'valid', { dataDir, cacheDir: false })).shape[0]).toBe(1);
    expect((await loadDataset('celeba', 'test', { dataDir, cacheDir: false })).source.files[0]!.endsWith('000004.jpg')).toBe(true);
  });

  it('accepts Kaggle\'s layout (nested img_align_celeba, list_eval_partition.csv)', async () => {
    const dataDir = join(tmp.dir, 'celeba-kaggle');
    const root = join(dataDir, 'celeba');
    await writeJpeg(join(root, 'img_align_celeba/img_align_celeba/000001.jpg'), solid(3, 20, 16, [1, 2, 3]), 3, 20, 16);
    await writeJpeg(join(root, 'img_align_celeba/img_align_celeba/000002.jpg'), solid(3, 20, 16, [1, 2, 3]), 3, 20, 16);
    writeFileSync(join(root, 'list_eval_partition.csv'), 'image_id,partition\n000001.jpg,0\n000002.jpg,2\n');
    const test = await loadDataset('celeba', 'test', { dataDir, cacheDir: false, size: [8, 8] });
    expect(test.shape).toEqual([1, 3, 8, 8]);
  });

  it('names a missing image and a malformed partition file', async () => {
    const dataDir = join(tmp.dir, 'celeba-broken');
    const root = join(dataDir, 'celeba');
    mkdirSync(join(root, 'img_align_celeba'), { recursive: true });
    writeFileSync(join(root, 'list_eval_partition.txt'), '000001.jpg 0\n');
    const missing = await loadDataset('celeba', 'train', { dataDir }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', file: join(root, 'img_align_celeba/000001.jpg') });
    writeFileSync(join(root, 'list_eval_partition.txt'), '000001.jpg train\n');
    const bad = await loadDataset('celeba', 'train', { dataDir }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'DGM_DATA_CORRUPT', file: join(root, 'list_eval_partition.txt') });
    expect(() => parseCelebaPartition('')).toThrow(/no entries/);
  });
});

describe('celeba-small', () => {
  it('sorts the JPEGs by name and splits train ⌊0.9(1−vf)N⌋ / valid ⌊0.9·vf·N⌋ / test rest', async () => {
    const dataDir = join(tmp.dir, 'cs');
    const dir = join(dataDir, 'celeba-small/celeba_5000_clean');
    const n = 20;
    for (const i of [...Array(n).keys()].reverse()) await writeJpeg(join(dir, `${String(i).padStart(4, '0')}.jpg`), solid(3, 40 + i, 30, [i * 12, 100, 255 - i * 12]), 3, 40 + i, 30);
    const opts = { dataDir, validFraction: 0.1, cacheDir: false as const };
    const parts = await Promise.all((['train', 'valid', 'test'] as const).map((role) => loadDataset('celeba-small', role, opts)));
    expect(parts.map((p) => p.shape[0])).toEqual([16, 1, 3]);
    expect(parts[0]!.source.files.map((f) => f.slice(-8))).toEqual([...Array(n).keys()].map((i) => `${String(i).padStart(4, '0')}.jpg`));
    for (const p of parts) p.indices.forEach((src, k) => expect(Math.abs(channelMeans(p, k)[0]! - src * 12)).toBeLessThan(3));
  });
});

describe('undecodable images', () => {
  it('are reported as corrupt, naming the dataset and the file', async () => {
    const dataDir = join(tmp.dir, 'cs-bad');
    const dir = join(dataDir, 'celeba_5000_clean');
    await writeJpeg(join(dir, 'a.jpg'), solid(3, 8, 8, [1, 2, 3]), 3, 8, 8);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'b.jpg'), 'truncated nonsense');
    const error = await loadDataset('celeba-small', 'test', { dataDir, cacheDir: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_CORRUPT', dataset: 'celeba-small', file: join(dir, 'b.jpg') });
    expect((error as Error).message).toContain('corrupt file');
  });

  it('an empty folder is "not found", listing every location tried', async () => {
    const dataDir = join(tmp.dir, 'nothing');
    const error = await loadDataset('tiny-imagenet', 'test', { dataDir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', expected: ['test/images/*.JPEG'] });
    expect((error as { searched: string[] }).searched).toEqual(
      ['tiny-imagenet/tiny-imagenet/tiny-imagenet-200', 'tiny-imagenet/tiny-imagenet-200', 'tiny-imagenet-200', 'tiny-imagenet'].map((d) => join(dataDir, d)),
    );
  });
});

describe('tiny-imagenet', () => {
  const dataDir = join(tmp.dir, 'tiny');
  const root = join(dataDir, 'tiny-imagenet/tiny-imagenet/tiny-imagenet-200');
  const build = async () => {
    for (const [k, wnid] of ['n02', 'n01'].entries()) {
      for (let i = 0; i < 3; i++) await writeJpeg(join(root, 'train', wnid, 'images', `${wnid}_${i}.JPEG`), solid(3, 64, 64, [40 * k + 10 * i, 0, 0]), 3, 64, 64);
      writeFileSync(join(root, 'train', wnid, `${wnid}_boxes.txt`), '');
    }
    for (let i = 0; i < 2; i++) await writeJpeg(join(root, 'val/images', `val_${i}.JPEG`), solid(3, 64, 64, [200 + i, 0, 0]), 3, 64, 64);
    // a greyscale JPEG, as a few Tiny-ImageNet files are: replicated to RGB
    await writeJpeg(join(root, 'test/images', 'test_0.JPEG'), solid(1, 64, 64, [99]), 1, 64, 64);
    await writeJpeg(join(root, 'test/images', 'test_1.JPEG'), solid(3, 64, 64, [5, 6, 7]), 3, 64, 64);
  };

  it('pools sorted train/<wnid>/images then val/images for train/valid; test unpermuted; grey → RGB', async () => {
    await build();
    const train = await loadDataset('tiny-imagenet', 'train', { dataDir, validFraction: 0.25, cacheDir: false });
    const valid = await loadDataset('tiny-imagenet', 'valid', { dataDir, validFraction: 0.25, cacheDir: false });
    expect([train.shape, valid.shape]).toEqual([[6, 3, 32, 32], [2, 3, 32, 32]]);
    expect(train.source.files.map((f) => f.split('/').slice(-1)[0])).toEqual(['n01_0.JPEG', 'n01_1.JPEG', 'n01_2.JPEG', 'n02_0.JPEG', 'n02_1.JPEG', 'n02_2.JPEG', 'val_0.JPEG', 'val_1.JPEG']);
    expect(new Set([...train.indices, ...valid.indices]).size).toBe(8);
    const test = await loadDataset('tiny-imagenet', 'test', { dataDir, cacheDir: false });
    expect([...test.indices]).toEqual([0, 1]);
    channelMeans(test, 0).forEach((m) => expect(Math.abs(m - 99)).toBeLessThan(2));
    expect(test.labels).toBeUndefined();
  });
});

describe('decoded-image cache', () => {
  it('reuses DATA_DIR/.cache until a source file changes', async () => {
    const dataDir = join(tmp.dir, 'cache');
    const dir = join(dataDir, 'celeba_5000_clean');
    for (let i = 0; i < 4; i++) await writeJpeg(join(dir, `${i}.jpg`), solid(3, 16, 16, [i * 60, 0, 0]), 3, 16, 16);
    const logger = recordingLogger();
    const first = await loadDataset('celeba-small', 'train', { dataDir, validFraction: 0, logger });
    expect(first.source.cached).toBe(false);
    const second = await loadDataset('celeba-small', 'train', { dataDir, validFraction: 0, logger });
    expect(second.source.cached).toBe(true);
    expect(second.images).toEqual(first.images);
    expect(logger.entries.some((e) => /from the cache/.test(e.msg))).toBe(true);
    // another size is another cache entry
    expect((await loadDataset('celeba-small', 'train', { dataDir, validFraction: 0, size: [8, 8] })).source.cached).toBe(false);
    // a modified file (size+mtime) invalidates
    await writeJpeg(join(dir, '2.jpg'), solid(3, 16, 16, [10, 200, 0]), 3, 16, 16);
    utimesSync(join(dir, '2.jpg'), new Date(), new Date(Date.now() + 5000));
    const third = await loadDataset('celeba-small', 'train', { dataDir, validFraction: 0 });
    expect(third.source.cached).toBe(false);
    third.indices.forEach((src, k) => expect(Math.abs(channelMeans(third, k)[1]! - (src === 2 ? 200 : 0))).toBeLessThan(3));
    // a removed file too
    rmSync(join(dir, '3.jpg'));
    const fourth = await loadDataset('celeba-small', 'train', { dataDir, validFraction: 0 });
    expect([fourth.source.cached, fourth.source.files.length, fourth.shape[0]]).toEqual([false, 3, Math.floor(0.9 * 3)]);
  });
});

describe('dgm-generated', () => {
  it('reads 1.png…N.png in numeric order, the same images for every role', async () => {
    const dataDir = join(tmp.dir, 'gen');
    const samples = Float32Array.from({ length: 12 * 4 }, (_, i) => i * 5.7);
    await writeSamplesAsPng(join(dataDir, 'runs_flow_mnist'), samples, [12, 1, 2, 2]);
    const ds = await loadDataset('dgm-generated', 'test', { dataDir, generated: { dir: 'runs_flow_mnist', length: 12 } });
    expect(ds.shape).toEqual([12, 1, 2, 2]);
    expect([...ds.images]).toEqual([...samples].map((v) => Math.trunc(Math.min(255, v))));
    expect(ds.source.files[9]!.endsWith('/10.png')).toBe(true); // numeric, not lexicographic, order
    const train = await loadDataset('dgm-generated', 'train', { dataDir, generated: { dir: join(dataDir, 'runs_flow_mnist') } });
    expect(train.images).toEqual(ds.images);
  });

  it('reads RGB samples written by another tool (pngjs) and resizes on request', async () => {
    const dir = join(tmp.dir, 'gen-rgb');
    const img = Uint8Array.from({ length: 3 * 4 * 4 }, (_, i) => i * 5);
    writePng(join(dir, '1.png'), img, 3, 4, 4);
    writePng(join(dir, '2.png'), img, 3, 4, 4);
    const ds = await loadDataset('dgm-generated', 'test', { generated: { dir } });
    expect(ds.shape).toEqual([2, 3, 4, 4]);
    expect(ds.images.subarray(0, 48)).toEqual(img);
    expect((await loadDataset('dgm-generated', 'test', { generated: { dir }, size: [2, 2] })).shape).toEqual([2, 3, 2, 2]);
  });

  it('rejects gaps, a wrong count, and a missing folder option', async () => {
    const dir = join(tmp.dir, 'gen-gap');
    await writeSamplesAsPng(dir, new Float32Array(3), [3, 1, 1, 1]);
    await expect(loadDataset('dgm-generated', 'test', { generated: { dir, length: 5 } })).rejects.toMatchObject({ code: 'DGM_DATA_CORRUPT' });
    rmSync(join(dir, '2.png'));
    await expect(loadDataset('dgm-generated', 'test', { generated: { dir } })).rejects.toThrow(/missing 2\.png/);
    await expect(loadDataset('dgm-generated', 'test', {})).rejects.toMatchObject({ code: 'DGM_DATA_INVALID_OPTION' });
  });
});
