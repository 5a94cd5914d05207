import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LpipsError } from './errors.js';
import { loadLpips, LPIPS_MIN_SIZE, type Lpips, type LpipsInputRange } from './lpips.js';
import { resolveLpipsWeights, type LpipsWeightPaths } from './weights.js';

// Written by scripts/make-fixtures.py: random weights in three file layouts and PyTorch's float64 distances.
const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
interface Case {
  name: string;
  inputRange: LpipsInputRange;
  shape: [number, number, number, number];
  pixels0: number[];
  pixels1: number[];
  distance: number[];
  perTap: number[][];
}
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { cases: Case[] };

/** The float32 inputs the script fed PyTorch (it rounds the same float64 expressions to float32). */
function input(c: Case, pixels: number[]): tf.Tensor4D {
  const f = c.inputRange === 'minus-one-to-one' ? (p: number) => p / 127.5 - 1 : c.inputRange === 'zero-to-one' ? (p: number) => p / 255 : (p: number) => p;
  return tf.tensor4d(Float32Array.from(pixels, f), c.shape);
}

const layouts: Array<[string, LpipsWeightPaths]> = [
  ['torchvision alexnet.pth + lpips alex.pth', { alexnet: fixture('alexnet.pth'), lin: fixture('alex.pth') }],
  ['whole LPIPS state dict', { lpips: fixture('lpips.pth') }],
];

async function rejection(p: Promise<unknown>): Promise<LpipsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LpipsError);
  return e as LpipsError;
}

function thrown(f: () => unknown): LpipsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LpipsError);
    return e as LpipsError;
  }
  throw new Error('expected an LpipsError');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(layouts)('LPIPS from %s', (_, paths) => {
  let lpips: Lpips;
  beforeAll(async () => {
    lpips = await loadLpips(paths);
  });
  afterAll(() => lpips.dispose());

  for (const c of expected.cases) {
    it(`${c.name} (${c.inputRange}, ${c.shape.join('×')}): PyTorch's distances within 1e-5 relative`, async () => {
      const x0 = input(c, c.pixels0);
      const x1 = input(c, c.pixels1);
      const before = tf.memory().numTensors;
      const d = lpips.distance(x0, x1, { inputRange: c.inputRange });
      const terms = lpips.terms(x0, x1, { inputRange: c.inputRange });
      expect(d.shape).toEqual([c.shape[0]]);
      const got = await d.data();
      const gotTerms = await terms.array();
      tf.dispose([d, terms]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x0, x1]);
      for (let b = 0; b < c.distance.length; b++) {
        expect(Math.abs(got[b]! - c.distance[b]!) / c.distance[b]!).toBeLessThan(1e-5);
        // Every tap carries weight, so a wrong layer shows in its own term.
        for (let k = 0; k < 5; k++) {
          const want = c.perTap[b]![k]!;
          expect(want).toBeGreaterThan(1e-4 * c.distance[b]!);
          expect(Math.abs(gotTerms[b]![k]! - want) / want).toBeLessThan(5e-5);
        }
      }
    });
  }

  it('identical images are at distance 0', async () => {
    const c = expected.cases[0]!;
    const x = input(c, c.pixels0);
    const d = lpips.distance(x, x.clone());
    expect(Array.from(await d.data())).toEqual(new Array(c.shape[0]).fill(0));
    tf.dispose([x, d]);
  });
});

describe('LPIPS inputs', () => {
  let lpips: Lpips;
  beforeAll(async () => {
    lpips = await loadLpips({ lpips: fixture('lpips.pth') });
  });
  afterAll(() => lpips.dispose());

  it(`accepts ${LPIPS_MIN_SIZE}×${LPIPS_MIN_SIZE} and refuses one pixel less, naming the size`, () => {
    expect(LPIPS_MIN_SIZE).toBe(31);
    const ok = tf.zeros([1, 31, 31, 3]) as tf.Tensor4D;
    tf.dispose([ok, lpips.distance(ok, ok)]);
    const small = tf.zeros([1, 31, 30, 3]) as tf.Tensor4D;
    const e = thrown(() => lpips.distance(small, small));
    expect(e.code).toBe('DGM_LPIPS_INPUT_INVALID');
    expect(e.message).toContain('31×30');
    expect(e.message).toContain('width');
    expect(e.message).toContain('31×31');
    small.dispose();
  });

  it('refuses mismatched batches, wrong channel counts and unknown input ranges', () => {
    const a = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    const b = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    const four = tf.zeros([1, 32, 32, 4]) as tf.Tensor4D;
    expect(thrown(() => lpips.distance(a, b)).message).toContain('[1,32,32,3] vs [2,32,32,3]');
    expect(thrown(() => lpips.distance(four, four)).message).toContain('got 4');
    expect(thrown(() => lpips.distance(a, a, { inputRange: 'bytes' as LpipsInputRange })).code).toBe('DGM_LPIPS_INPUT_INVALID');
    tf.dispose([a, b, four]);
  });
});

describe('LPIPS weight files', () => {
  it('a missing file is named', async () => {
    const missing = join(tmpdir(), 'no-such-dir-lpips', 'alexnet.pth');
    const e = await rejection(loadLpips({ alexnet: missing, lin: fixture('alex.pth') }));
    expect(e.code).toBe('DGM_LPIPS_WEIGHTS_MISSING');
    expect(e.message).toContain(missing);
    expect(e.details.file).toBe(missing);
  });

  it('a linear layer of the wrong width names the file, the parameter and both shapes', async () => {
    const file = fixture('bad-lin.pth');
    const e = await rejection(loadLpips({ alexnet: fixture('alexnet.pth'), lin: file }));
    expect(e.code).toBe('DGM_LPIPS_WEIGHTS_MISMATCH');
    expect(e.message).toContain(file);
    expect(e.message).toContain('lin2.model.1.weight');
    expect(e.message).toContain('[1,380,1,1]');
    expect(e.message).toContain('[1,384,1,1]');
    expect(e.details).toMatchObject({ file, parameter: 'lin2.model.1.weight', expectedShape: [1, 384, 1, 1], foundShape: [1, 380, 1, 1] });
  });

  it('files of the other layout: the missing parameter is named, with a hint', async () => {
    const whole = await rejection(loadLpips({ alexnet: fixture('lpips.pth'), lin: fixture('alex.pth') }));
    expect(whole.code).toBe('DGM_LPIPS_WEIGHTS_MISSING');
    expect(whole.message).toContain('features.0.weight');
    expect(whole.message).toContain('pass it as { lpips }');
    const tv = await rejection(loadLpips({ lpips: fixture('alexnet.pth') }));
    expect(tv.message).toContain('net.slice1.0.weight');
    expect(tv.message).toContain('{ alexnet, lin }');
    const lin = await rejection(loadLpips({ alexnet: fixture('alexnet.pth'), lin: fixture('alexnet.pth') }));
    expect(lin.details).toMatchObject({ file: fixture('alexnet.pth'), parameter: 'lin0.model.1.weight', expectedShape: [1, 64, 1, 1] });
  });
});

describe('resolveLpipsWeights', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lpips-resolve-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds MODEL_DIR/lpips files, torchvision’s file name too, and the result loads', async () => {
    const modelDir = join(dir, 'models');
    mkdirSync(join(modelDir, 'lpips'), { recursive: true });
    copyFileSync(fixture('alexnet.pth'), join(modelDir, 'lpips', 'alexnet-owt-7be5be79.pth'));
    copyFileSync(fixture('alex.pth'), join(modelDir, 'lpips', 'alex.pth'));
    const paths = resolveLpipsWeights({ MODEL_DIR: modelDir });
    expect(paths).toEqual({ alexnet: join(modelDir, 'lpips', 'alexnet-owt-7be5be79.pth'), lin: join(modelDir, 'lpips', 'alex.pth') });
    const lpips = await loadLpips(paths);
    expect(lpips.files).toEqual(paths);
    lpips.dispose();
    writeFileSync(join(modelDir, 'lpips', 'alexnet.pth'), '');
    expect(resolveLpipsWeights({ MODEL_DIR: modelDir }).alexnet).toBe(join(modelDir, 'lpips', 'alexnet.pth'));
  });

  it('environment variables win over MODEL_DIR', () => {
    const paths = resolveLpipsWeights({ MODEL_DIR: join(dir, 'empty'), LPIPS_ALEXNET_WEIGHTS: fixture('alexnet.pth'), LPIPS_LIN_WEIGHTS: fixture('alex.pth') });
    expect(paths).toEqual({ alexnet: fixture('alexnet.pth'), lin: fixture('alex.pth') });
  });

  it('nothing found: every path tried is named', () => {
    const empty = join(dir, 'empty');
    const e = thrown(() => resolveLpipsWeights({ MODEL_DIR: empty }));
    expect(e.code).toBe('DGM_LPIPS_WEIGHTS_MISSING');
    expect(e.details.tried).toEqual([join(empty, 'lpips', 'alexnet.pth'), join(empty, 'lpips', 'alexnet-owt-7be5be79.pth')]);
    for (const p of e.details.tried!) expect(e.message).toContain(p);
    const unset = thrown(() => resolveLpipsWeights({ LPIPS_ALEXNET_WEIGHTS: fixture('alexnet.pth'), LPIPS_LIN_WEIGHTS: join(dir, 'gone.pth') }));
    expect(unset.message).toContain('LPIPS_LIN_WEIGHTS names a file that does not exist');
    expect(unset.message).toContain(join(dir, 'gone.pth'));
  });
});
