// Writes the images of the input-complexity fixture (src/__fixtures__/complexity/images.u8): 8 Fashion-MNIST
// and 8 MNIST test images as the data package loads them, then a black image and a diagonal ramp; 28×28
// grayscale, one byte per pixel, row-major, concatenated. make-complexity-fixture.py encodes them with OpenCV.
//   pnpm exec tsx packages/methods/scripts/complexity-fixture-images.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '@dgm-ood/data';

const out = fileURLToPath(new URL('../src/__fixtures__/complexity/images.u8', import.meta.url));
const images: Uint8Array[] = [];
for (const name of ['fashion-mnist', 'mnist'] as const) {
  const data = await loadDataset(name, 'test', { validFraction: 0 });
  for (let i = 0; i < 8; i++) images.push(Uint8Array.from(data.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v)));
}
images.push(new Uint8Array(784));
images.push(Uint8Array.from({ length: 784 }, (_, k) => Math.round(((Math.floor(k / 28) + (k % 28)) / 54) * 255)));
const all = new Uint8Array(images.length * 784);
images.forEach((im, i) => all.set(im, i * 784));
writeFileSync(out, all);
console.log(`${images.length} images → ${out}`);
