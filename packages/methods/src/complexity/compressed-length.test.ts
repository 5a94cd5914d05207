/**
 * Our compressed lengths against OpenCV's on the same images (the reference encoded with cv2.imencode): 8
 * Fashion-MNIST and 8 MNIST test images, a black image and a ramp, with the byte counts OpenCV 4.6 gave
 * (scripts/make-complexity-fixture.py). Both codecs are expected to match exactly.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, findFlifEncoder, flifBytes, jpegBytes, pngBytes, type Image8 } from './compressed-length.js';

const here = new URL('../__fixtures__/complexity/', import.meta.url);
const raw = readFileSync(new URL('images.u8', here));
const opencv = JSON.parse(readFileSync(new URL('opencv-bytes.json', here), 'utf8')) as { count: number; png_level_9: number[]; jpeg_quality_95: number[] };
const image = (i: number): Image8 => ({ data: new Uint8Array(raw.subarray(i * 784, (i + 1) * 784)), height: 28, width: 28, channels: 1 });

describe('compressed lengths as OpenCV writes them', () => {
  it('PNG at level 9: the same byte count as cv2.imencode for every fixture image', () => {
    expect(Array.from({ length: opencv.count }, (_, i) => pngBytes(image(i)))).toEqual(opencv.png_level_9);
  });

  it('JPEG at quality 95: the same byte count as cv2.imencode for every fixture image', async () => {
    const ours: number[] = [];
    for (let i = 0; i < opencv.count; i++) ours.push(await jpegBytes(image(i)));
    expect(ours).toEqual(opencv.jpeg_quality_95);
  });

  it('the PNG decodes back to the image (filters and chunks are valid)', () => {
    const im = image(3);
    const png = encodePng(im);
    const length = png.readUInt32BE(33);
    const rows = inflateSync(png.subarray(41, 41 + length));
    const pixels = new Uint8Array(784);
    let prev = new Uint8Array(28);
    for (let y = 0; y < 28; y++) {
      const type = rows[y * 29]!;
      const row = new Uint8Array(28);
      for (let x = 0; x < 28; x++) {
        const f = rows[y * 29 + 1 + x]!;
        const a = x > 0 ? row[x - 1]! : 0;
        const b = prev[x]!;
        const c = x > 0 ? prev[x - 1]! : 0;
        const p = a + b - c;
        const pred = [0, a, b, (a + b) >> 1, Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][type]!;
        row[x] = (f + pred) & 0xff;
      }
      pixels.set(row, y * 28);
      prev = row;
    }
    expect(Array.from(pixels)).toEqual(Array.from(im.data));
  });

  it('FLIF through the external encoder when one is given, none when it is absent', () => {
    expect(findFlifEncoder({ DGM_OOD_FLIF: '/nonexistent/flif' })).toBeNull();
    // A stand-in encoder that writes 123 bytes: the plumbing (arguments, output file, size) without a real FLIF.
    const dir = mkdtempSync(join(tmpdir(), 'fake-flif-'));
    const fake = join(dir, 'flif');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = --help ] && exit 0\nhead -c 123 /dev/zero > "$4"\n');
    chmodSync(fake, 0o755);
    expect(findFlifEncoder({ DGM_OOD_FLIF: fake })).toBe(fake);
    expect(flifBytes(image(0), fake)).toBe(123);
  });
});
