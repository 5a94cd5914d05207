import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { decodeImageFile, imageChannels, readImageFiles, writeSamplesAsPng } from './image-files.js';
import { resizeUint8 } from './resize.js';
import { solid, writeJpeg, writeOneBitPng, writePng } from './testing/image-writer.js';
import { makeTmpDir } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

const H = 6;
const W = 5;
const rgb = Uint8Array.from({ length: 3 * H * W }, (_, i) => (i * 17) % 256);
const grey = rgb.subarray(0, H * W);

describe('decodeImageFile', () => {
  it('decodes an RGB PNG to CHW planes exactly', async () => {
    const f = join(tmp.dir, 'rgb.png');
    writePng(f, rgb, 3, H, W);
    const img = await decodeImageFile(f, 3);
    expect([img.channels, img.height, img.width]).toEqual([3, H, W]);
    expect(img.data).toEqual(rgb);
    expect(await imageChannels(f)).toBe(3);
  });

  it('decodes an 8-bit grey PNG to one plane, or to three equal planes when RGB is asked', async () => {
    const f = join(tmp.dir, 'grey.png');
    writePng(f, grey, 1, H, W);
    expect((await decodeImageFile(f, 1)).data).toEqual(grey);
    const asRgb = await decodeImageFile(f, 3);
    for (let c = 0; c < 3; c++) expect(asRgb.data.subarray(c * H * W, (c + 1) * H * W)).toEqual(grey);
    expect(await imageChannels(f)).toBe(1);
  });

  it('decodes a 1-bit PNG (Omniglot style) to 0/255', async () => {
    const f = join(tmp.dir, 'bits.png');
    const bits = Array.from({ length: 11 * 9 }, (_, i) => i % 3 === 0);
    writeOneBitPng(f, bits, 11, 9);
    const img = await decodeImageFile(f, 1);
    expect([img.height, img.width]).toEqual([11, 9]);
    expect([...img.data]).toEqual(bits.map((b) => (b ? 255 : 0)));
  });

  it('drops alpha like PIL convert("RGB") (no compositing)', async () => {
    const f = join(tmp.dir, 'rgba.png');
    writePng(f, rgb, 3, H, W, { alpha: 10 });
    expect((await decodeImageFile(f, 3)).data).toEqual(rgb);
  });

  it('decodes JPEGs, colour and greyscale (replicated to RGB)', async () => {
    const colour = join(tmp.dir, 'c.jpg');
    await writeJpeg(colour, solid(3, 16, 16, [200, 40, 90]), 3, 16, 16);
    const c = await decodeImageFile(colour, 3);
    for (const [ch, v] of [[0, 200], [1, 40], [2, 90]] as const) {
      for (const px of c.data.subarray(ch * 256, (ch + 1) * 256)) expect(Math.abs(px - v)).toBeLessThanOrEqual(2);
    }
    const g = join(tmp.dir, 'g.jpg');
    await writeJpeg(g, solid(1, 8, 8, [77]), 1, 8, 8);
    const asRgb = await decodeImageFile(g, 3);
    for (const px of asRgb.data) expect(Math.abs(px - 77)).toBeLessThanOrEqual(1);
  });

  it('throws a FormatError naming the file for garbage', async () => {
    const f = join(tmp.dir, 'bad.png');
    writeFileSync(f, 'not an image');
    await expect(decodeImageFile(f, 3)).rejects.toThrow(FormatError);
    await expect(decodeImageFile(f, 3)).rejects.toThrow(f);
  });
});

describe('readImageFiles', () => {
  it('stacks files in order, resizes with the PIL filter and applies the pixel map', async () => {
    const a = join(tmp.dir, 'stack', 'a.png');
    const b = join(tmp.dir, 'stack', 'b.png');
    writePng(a, grey, 1, H, W);
    writePng(b, grey.map((v) => 255 - v), 1, H, W);
    const out = await readImageFiles([a, b], { channels: 1, size: [3, 4], map: (v) => 255 - v, concurrency: 2 });
    expect(out.shape).toEqual([2, 1, 3, 4]);
    const expectedA = resizeUint8(grey, [1, 1, H, W], [3, 4]).map((v) => 255 - v);
    expect(out.images.subarray(0, 12)).toEqual(expectedA);
    const expectedB = resizeUint8(grey.map((v) => 255 - v), [1, 1, H, W], [3, 4]).map((v) => 255 - v);
    expect(out.images.subarray(12)).toEqual(expectedB);
  });

  it('requires equal sizes when no size is given', async () => {
    const a = join(tmp.dir, 'mixed', 'a.png');
    const b = join(tmp.dir, 'mixed', 'b.png');
    writePng(a, grey, 1, H, W);
    writePng(b, grey, 1, W, H);
    await expect(readImageFiles([a, b], { channels: 1 })).rejects.toThrow(/the first image is 5×6/);
  });
});

describe('writeSamplesAsPng', () => {
  it('clamps, truncates and writes 1.png…N.png that decode back (mode L and RGB)', async () => {
    const samples = Float32Array.from([-3, 0.9, 254.99, 300, 12.5, 7]);
    const paths = await writeSamplesAsPng(join(tmp.dir, 'gen-l'), samples, [3, 1, 1, 2]);
    expect(paths.map((p) => p.split('/').pop())).toEqual(['1.png', '2.png', '3.png']);
    const back = await readImageFiles(paths, { channels: 1 });
    expect([...back.images]).toEqual([0, 0, 254, 255, 12, 7]);
    expect(await imageChannels(paths[0]!)).toBe(1);

    const rgbPaths = await writeSamplesAsPng(join(tmp.dir, 'gen-rgb'), rgb, [1, 3, H, W], 10);
    expect(rgbPaths[0]!.endsWith('/11.png')).toBe(true);
    expect((await decodeImageFile(rgbPaths[0]!, 3)).data).toEqual(rgb);
    expect(await imageChannels(rgbPaths[0]!)).toBe(3);
  });
});
