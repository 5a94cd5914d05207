import { corruptError, parseSource, readSourceFile, type DatasetContext, type DatasetDefinition, type RolePool } from './dataset-definition.js';
import { FormatError, invalidOption } from './errors.js';
import { candidateDirs, describeSpecs, locateFiles, notFoundError, type FileSpec } from './locate.js';
import type { NpyArray } from './npy.js';
import { openNpz } from './npz.js';
import type { Role } from './types.js';

/** The MedMNIST subsets the reference trains and tests on (docs/reference-notes.md §1.2), all grayscale 28×28. */
export const MEDMNIST_SUBCLASSES = ['ChestMNIST', 'PneumoniaMNIST', 'OrganAMNIST', 'OrganCMNIST', 'OrganSMNIST'] as const;
export type MedmnistSubclass = (typeof MEDMNIST_SUBCLASSES)[number];

export function isMedmnistSubclass(value: unknown): value is MedmnistSubclass {
  return (MEDMNIST_SUBCLASSES as readonly unknown[]).includes(value);
}

/** ChestMNIST's alignment crop (height × width) onto PneumoniaMNIST's framing, the reference's `align: true`. */
export const CHEST_ALIGN_CROP: readonly [number, number] = [27, 18];

/** The `medmnist` package's split of each role (its `val` serves role valid). */
const SPLIT_OF_ROLE: Record<Role, 'train' | 'val' | 'test'> = { train: 'train', valid: 'val', test: 'test' };

/** Where the `medmnist` pip package puts its downloads is `<root>/<flag>.npz`, flag = the lowercase class name. */
const DIRS = ['medmnist', 'MedMNIST', '.'];
function specsOf(subclass: MedmnistSubclass): FileSpec[] {
  return [{ label: 'npz', names: [`${subclass.toLowerCase()}.npz`, `${subclass}.npz`] }];
}

/** Python's round() (half to even), which torchvision's CenterCrop uses for its offsets. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision CenterCrop of every H×W plane to th×tw. */
export function centerCrop(images: Uint8Array, n: number, h: number, w: number, th: number, tw: number): Uint8Array {
  const top = roundHalfEven((h - th) / 2);
  const left = roundHalfEven((w - tw) / 2);
  const out = new Uint8Array(n * th * tw);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < th; y++) {
      const from = i * h * w + (top + y) * w + left;
      out.set(images.subarray(from, from + tw), (i * th + y) * tw);
    }
  }
  return out;
}

/** Images `(N, H, W)` or `(N, H, W, 1)` of uint8 and labels `(N, K)` (or `(N,)`): label = the first entry, as upstream. */
function imagesAndLabels(images: NpyArray, labels: NpyArray, split: string): { images: Uint8Array; labels: Int32Array; n: number; h: number; w: number } {
  const s = images.shape;
  if (images.dtype !== 'u1' || !(s.length === 3 || (s.length === 4 && s[3] === 1))) {
    throw new FormatError(`${split}_images must be uint8 N×H×W (grayscale), got ${images.dtype} ${s.join('×')}`);
  }
  const [n, h, w] = s as [number, number, number];
  if (labels.shape[0] !== n || labels.shape.length > 2 || labels.dtype === 'f4' || labels.dtype === 'f8') {
    throw new FormatError(`${split}_labels must be integer N or N×K with N = ${n}, got ${labels.dtype} ${labels.shape.join('×')}`);
  }
  const k = labels.shape[1] ?? 1;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(labels.data[i * k]!);
  return { images: images.data as Uint8Array, labels: out, n, h, w };
}

/**
 * `medmnist`: one subset (`subclass`) of the `medmnist` package's 28×28 `.npz` files. Each role reads the
 * package's own split and applies the standard scheme to it (train drops the first vf share of its permuted
 * split, valid keeps that share of `val`, test keeps all). ChestMNIST is centre-cropped to 27×18 unless
 * `align` is false; the resize to the requested size (28×28 by default) happens afterwards, on floats.
 */
export const MEDMNIST_DATASET: DatasetDefinition = {
  name: 'medmnist',
  channels: 1,
  defaultSize: [28, 28],
  resize: 'tensor',
  locations: DIRS.map((d) => `${d === '.' ? '' : `${d}/`}<subclass lowercase>.npz`),
  async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
    const args = ctx.options.medmnist;
    if (!args || !isMedmnistSubclass(args.subclass)) {
      throw invalidOption(`needs a subclass (additional_dataset_args.subclass), one of ${MEDMNIST_SUBCLASSES.join(', ')}; got ${JSON.stringify(args?.subclass)}`, ctx.name);
    }
    const { subclass } = args;
    const specs = specsOf(subclass);
    const searched = candidateDirs(ctx.dataDir, DIRS);
    const located = locateFiles(searched, specs);
    if (!located.found) {
      throw notFoundError(ctx.name, `${subclass} .npz`, describeSpecs(specs), searched, located.partial,
        `Download it with the medmnist package (e.g. python -m medmnist download --size 28) into DATA_DIR/medmnist`);
    }
    const file = located.found.files.get('npz')!;
    const expected = describeSpecs(specs);
    const split = SPLIT_OF_ROLE[role];
    const bytes = readSourceFile(ctx, file, expected);
    const p = parseSource(ctx, file, expected, () => {
      const npz = openNpz(bytes);
      return imagesAndLabels(npz.get(`${split}_images`), npz.get(`${split}_labels`), split);
    });
    const align = subclass === 'ChestMNIST' && args.align !== false;
    if (align && (p.h < CHEST_ALIGN_CROP[0] || p.w < CHEST_ALIGN_CROP[1])) {
      throw corruptError(ctx, file, expected, new Error(`images are ${p.h}×${p.w}, smaller than the alignment crop ${CHEST_ALIGN_CROP.join('×')}`));
    }
    const [h, w] = align ? CHEST_ALIGN_CROP : [p.h, p.w];
    const images = align ? centerCrop(p.images, p.n, p.h, p.w, h, w) : p.images;
    return {
      images,
      labels: p.labels,
      shape: [p.n, 1, h, w],
      scheme: { kind: 'standard' },
      origin: 'data-dir',
      part: `${subclass}-${split}${subclass === 'ChestMNIST' ? (align ? '-align' : '-noalign') : ''}`,
      files: [file],
      cached: false,
    };
  },
};
