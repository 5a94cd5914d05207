/**
 * A diffusion density model on raw images: the data transform (to [−1, 1]), an SDE and a U-Net score
 * network. Images are NHWC [B, H, W, C] with values 0..255; everything inside runs in model space.
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type StateValue } from '@dgm-ood/engine/module';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { peakBytesPerRow, rowsWithinBudget, valueAndVjp } from '@dgm-ood/engine';
import { applyDataTransform, invertDataTransform } from './data-transform.js';
import { pfOdeLogLikelihood, type PfOdeOptions, type PfOdeResult } from './likelihood.js';
import { averageDenoisingLoss } from './loss-average.js';
import { degradationTimes, degradeDenoise } from './degrade-denoise.js';
import { denoisingLoss, type LossScheme } from './losses.js';
import { sampleDiffusion, DEFAULT_SAMPLE_EPS, DEFAULT_SAMPLE_STEPS, type ReverseSolver } from './sampling.js';
import type { ScoreNetwork } from './score-network.js';
import { sdeFromSpec, type Sde } from './sde/index.js';
import type { DiffusionModelSpec } from './spec.js';
import { UNet2D } from './unet/index.js';

/**
 * The likelihood settings of the reference's OOD sweeps (25 Euler steps from ε = 0.01, 25 Rademacher probes per
 * point): the default of `logLikelihood`, for parity. `ACCURATE_LIKELIHOOD` is score_sde's (RK45, tolerances 1e-5,
 * one Rademacher probe, ε = 1e-5).
 */
export const REFERENCE_LIKELIHOOD: Omit<PfOdeOptions, 'probeSeeds'> = {
  solver: { type: 'euler', steps: 25 },
  eps: 0.01,
  trace: { method: 'rademacher', probes: 25 },
};
export const ACCURATE_LIKELIHOOD: Omit<PfOdeOptions, 'probeSeeds'> = {
  solver: { type: 'rk45', rtol: 1e-5, atol: 1e-5 },
  eps: 1e-5,
  trace: { method: 'rademacher', probes: 1 },
};

class DiffusionModules extends Module {
  readonly unet: UNet2D;
  constructor(spec: DiffusionModelSpec) {
    super();
    const { type: _type, ...unet } = spec.network;
    this.unet = this.addChild('unet', new UNet2D(unet, { seed: spec.seed }));
  }
}

export class DiffusionModel {
  readonly spec: DiffusionModelSpec;
  readonly sde: Sde;
  readonly network: ScoreNetwork;
  /** Elements per image, D = C·H·W. */
  readonly dim: number;
  private readonly modules: DiffusionModules;
  private readonly passRowsCache = new Map<string, number>();

  constructor(spec: DiffusionModelSpec) {
    this.spec = spec;
    this.sde = sdeFromSpec(spec.sde);
    this.modules = new DiffusionModules(spec);
    this.network = this.modules.unet;
    this.dim = spec.dataShape[0] * spec.dataShape[1] * spec.dataShape[2];
  }

  /** Raw NHWC → model space [−1, 1), dequantized with `seed` unless switched off. */
  preprocess(images: tf.Tensor, opts: { seed: number; dequantize?: boolean }): tf.Tensor4D {
    return applyDataTransform(images, this.spec.dataTransform, opts) as tf.Tensor4D;
  }

  /** Mean denoising loss of a batch of raw images (ε-matching unless another scheme is given). */
  loss(images: tf.Tensor4D, opts: { seed: number; training: boolean; scheme?: LossScheme }): tf.Scalar {
    return tf.tidy(() => {
      const x = this.preprocess(images, { seed: deriveSeed(opts.seed, 0xd0) });
      return denoisingLoss(this.sde, this.network, x, { seed: deriveSeed(opts.seed, 0xd1), training: opts.training, ...(opts.scheme ? { scheme: opts.scheme } : {}) });
    });
  }

  /**
   * log p of raw images in nats, the density of the model-space x̃ (as the reference reports it; bits/dim in
   * docs/diffusion.md §2). Dequantization noise from `seed`; point i's probes from deriveSeed(seed, i).
   */
  async logLikelihood(images: tf.Tensor4D, seed: number, options: Omit<PfOdeOptions, 'probeSeeds'> = REFERENCE_LIKELIHOOD, dequantize?: boolean): Promise<PfOdeResult> {
    const chunkRows = options.chunkRows ?? (await this.passRows('vjp'));
    const x = this.preprocess(images, { seed: deriveSeed(seed, 0xde), ...(dequantize !== undefined ? { dequantize } : {}) });
    try {
      const probeSeeds = Array.from({ length: images.shape[0] }, (_, i) => deriveSeed(seed, 0x9b, i));
      return await pfOdeLogLikelihood(this.sde, this.network, x, { ...options, chunkRows, probeSeeds });
    } finally {
      x.dispose();
    }
  }

  /** Goodier et al.'s L_φ of one raw NHWC image [1, H, W, C] (see loss-average.ts). */
  async averageDenoisingLoss(image: tf.Tensor4D, seed: number, settings: { fraction: number; draws: number }): Promise<number> {
    const [c, h, w] = this.spec.dataShape;
    const pixels = await image.data();
    return averageDenoisingLoss(this.sde, this.network, this.spec.dataTransform, pixels, [h, w, c], seed, { ...settings, chunkRows: await this.passRows('forward') });
  }

  /**
   * Graham et al.'s reconstructions of one raw NHWC image [1, H, W, C] from N noise levels (degrade-denoise.ts):
   * raw pixels [N, H, W, C], floored as the reference's inverse transform does, not clamped.
   */
  async degradeDenoise(image: tf.Tensor4D, seed: number, settings: { levels: number; gamma: number; steps: number }): Promise<tf.Tensor4D> {
    const x = this.preprocess(image, { seed: deriveSeed(seed, 0xdd) });
    try {
      const times = degradationTimes(this.sde, settings.levels, settings.gamma);
      const recon = await degradeDenoise(this.sde, this.network, x, { times, steps: settings.steps, seed: deriveSeed(seed, 0xde) });
      const raw = tf.tidy(() => invertDataTransform(recon, { ...this.spec.dataTransform, clampSamples: false }) as tf.Tensor4D);
      recon.dispose();
      return raw;
    } finally {
      x.dispose();
    }
  }

  /** n raw NHWC samples (0..255, floored as the reference's inverse transform does), in batches. */
  async sample(n: number, opts: { seed: number; solver?: ReverseSolver; eps?: number; batchSize?: number; onProgress?: (f: number) => void }): Promise<tf.Tensor4D> {
    const [c, h, w] = this.spec.dataShape;
    const solver = opts.solver ?? { type: 'euler-maruyama', steps: DEFAULT_SAMPLE_STEPS };
    const batch = opts.batchSize ?? 100;
    const parts: tf.Tensor4D[] = [];
    try {
      for (let start = 0; start < n; start += batch) {
        const m = Math.min(batch, n - start);
        const y = await sampleDiffusion(this.sde, this.network, solver, {
          n: m,
          shape: [h, w, c],
          seed: deriveSeed(opts.seed, start),
          eps: opts.eps ?? DEFAULT_SAMPLE_EPS,
          onProgress: (f) => opts.onProgress?.((start + f * m) / n),
        });
        parts.push(tf.tidy(() => invertDataTransform(y, this.spec.dataTransform) as tf.Tensor4D));
        y.dispose();
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  }

  /**
   * The most rows one score pass ('forward') or one score VJP ('vjp') may carry on the active backend: the
   * network's peak bytes per row, measured once per backend, against the backend's pass budget.
   */
  async passRows(kind: 'forward' | 'vjp'): Promise<number> {
    const key = `${tf.getBackend()}:${kind}`;
    const cached = this.passRowsCache.get(key);
    if (cached !== undefined) return cached;
    const [c, h, w] = this.spec.dataShape;
    const perRow = await peakBytesPerRow((rows) => {
      const x = tf.zeros([rows, h, w, c]) as tf.Tensor4D;
      const t = tf.fill([rows], 0.5) as tf.Tensor1D;
      const f = (y: tf.Tensor) => this.network.apply(y as tf.Tensor4D, t, { training: false });
      if (kind === 'forward') return [x, t, tf.tidy(() => f(x))];
      const cotangent = tf.onesLike(x);
      const r = valueAndVjp(f, x, cotangent);
      return [x, t, cotangent, r.value, r.vjp];
    });
    const rows = rowsWithinBudget(perRow);
    this.passRowsCache.set(key, rows);
    return rows;
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.modules.namedParameters();
  }
  stateDict(): Record<string, StateValue> {
    return this.modules.stateDict();
  }
  loadStateDict(state: Record<string, StateValue>): void {
    this.modules.loadStateDict(state);
  }
  numParameters(): number {
    return this.namedParameters().reduce((s, [, v]) => s + v.size, 0);
  }
  dispose(): void {
    this.modules.dispose();
  }
}
