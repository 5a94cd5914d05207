import { DeterministicJobError, type ConfigReader } from '@dgm-ood/jobs';
import type * as tf from '@tensorflow/tfjs';
import type { OodMethod } from './contract.js';
import { findFlifEncoder, flifBytes, jpegBytes, pngBytes, type Image8 } from './complexity/compressed-length.js';
import { deterministicLogLikelihood, readInputScaling, type InputScaling } from './deterministic-likelihood.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';

const CODECS = ['png', 'jpeg', 'flif'] as const;
type Codec = (typeof CODECS)[number];

export interface ComplexityPlan {
  codecs: Codec[];
  /** The flow's input scaling (deterministic-likelihood.ts). */
  dequantization: InputScaling;
  /** Hand RGB images to the encoder in reversed channel order, as the reference did (OpenCV assumes BGR). */
  swapRgb: boolean;
}

/**
 * The input-complexity baseline (Serrà et al. 2020; the reference's `ood.baselines.CompelxityBased`): the flow's
 * log-likelihood in bits, ℓ(x) = log₂ p(x) with deterministic input (no dequantization noise, no background
 * augmentation), and the complexity L(x), the shortest compressed length in bits over an ensemble of lossless PNG
 * (level 9) and JPEG (quality 95) as the reference's OpenCV encoded them (its FLIF entry needs an external
 * encoder and was +∞ where none was installed). Serrà's S = −ℓ − L is high for OOD data, so the stored
 * in-distribution score is ℓ + L.
 *
 * `compression_type`: ensemble (PNG and JPEG) | png | jpeg | jpeg2000 (the reference's name for what OpenCV
 * encoded as baseline JPEG at quality 95, since the file name ended in .jpg) | flif (the `flif` binary, or
 * DGM_OOD_FLIF, on the worker), or a list of png, jpeg, flif.
 */
export const complexityMethod: OodMethod<ComplexityPlan, null> = {
  id: 'complexity',
  classPaths: ['ood.baselines.CompelxityBased', 'ood.baselines.ComplexityBased', 'complexity'],
  requires: ['logLikelihood'],
  families: ['flow'],
  readPlan: (args: ConfigReader) => ({
    codecs: readCodecs(args),
    dequantization: readInputScaling(args),
    swapRgb: args.get('swap_rgb') === true,
  }),
  scores: {
    scores: [
      { name: 'input_complexity', label: 'ℓ + L (log₂ p + compressed bits; Serrà et al.)', direction: 'higher-is-in-distribution' },
      { name: 'log_likelihood_bits', label: 'log-likelihood (bits, deterministic input)', direction: 'higher-is-in-distribution' },
      { name: 'complexity_bits', label: 'compressed length L (bits; a component)', direction: 'higher-is-in-distribution' },
    ],
    combinations: [],
  },
  async score(model, point, plan) {
    const bits = (await deterministicLogLikelihood(model, point.image, point.seed(LIKELIHOOD_STREAM), plan.dequantization)) / Math.LN2;
    const length = await compressedBits(await image8(point.image, plan.swapRgb), plan.codecs);
    return { input_complexity: bits + length, log_likelihood_bits: bits, complexity_bits: length };
  },
  summary: (plan) => ({ codecs: plan.codecs, dequantization: plan.dequantization, swapRgb: plan.swapRgb }),
};

function readCodecs(args: ConfigReader): Codec[] {
  const v = args.get('compression_type');
  if (v === undefined || v === 'ensemble') return ['png', 'jpeg'];
  if (v === 'jpeg2000') return ['jpeg'];
  const list = Array.isArray(v) ? v : [v];
  for (const c of list) {
    if (typeof c !== 'string' || !(CODECS as readonly string[]).includes(c)) {
      args.fail('compression_type', `must be ensemble, png, jpeg, jpeg2000, flif or a list of png, jpeg, flif (got ${JSON.stringify(v)})`);
    }
  }
  if (list.length === 0) args.fail('compression_type', 'names no codec');
  return [...new Set(list as Codec[])];
}

/** The shortest compressed length over the codecs, in bits (8 × bytes of the whole file). */
export async function compressedBits(image: Image8, codecs: readonly Codec[]): Promise<number> {
  let best = Infinity;
  for (const codec of codecs) {
    const bytes = codec === 'png' ? pngBytes(image) : codec === 'jpeg' ? await jpegBytes(image) : flifBytes(image, flifEncoder());
    best = Math.min(best, bytes);
  }
  return 8 * best;
}

let flif: string | null | undefined;
function flifEncoder(): string {
  flif ??= findFlifEncoder();
  if (flif === null) {
    throw new DeterministicJobError(
      'config ood.method_args.compression_type: flif needs the FLIF encoder on this worker: install the `flif` binary on PATH or set DGM_OOD_FLIF to its path (no registry ships one; the reference counted it as +∞ where it was missing, which the ensemble of png and jpeg reproduces)',
    );
  }
  return flif;
}

/** A raw NHWC image [1, H, W, C] as 8-bit pixels, saturated and rounded as OpenCV casts to 8 bits. */
async function image8(image: tf.Tensor4D, swapRgb: boolean): Promise<Image8> {
  const [, height, width, channels] = image.shape;
  if (channels !== 1 && channels !== 3) throw new DeterministicJobError(`input complexity: images must have 1 or 3 channels (got ${channels})`);
  const values = await image.data();
  const data = Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v))));
  if (swapRgb && channels === 3) {
    for (let i = 0; i < data.length; i += 3) [data[i], data[i + 2]] = [data[i + 2]!, data[i]!];
  }
  return { data, height, width, channels };
}
