import * as tf from '@tensorflow/tfjs';
import { applyDataTransform, invertDataTransform } from './data-transform.js';
import type { Flow } from './flow.js';
import { assertRank4 } from './layout.js';
import type { StateValue } from './module.js';
import { deriveSeed, SeedStream } from './random.js';
import type { FlowModelSpec } from './spec.js';
import { OneByOneConvolution } from './transforms/one-by-one-conv.js';
import type { ChwShape } from './types.js';

export interface LogProbOptions {
  /** Training mode: dropout on, uninitialised ActNorms initialise from this batch. Default false. */
  training?: boolean;
  /** Seed of this pass's noise (dequantization, background augmentation, dropout). */
  seed?: number;
  /** Override the spec's dequantization for this call (see DataTransformCallOptions). */
  dequantize?: boolean | 'midpoint';
  /** Apply the spec's background augmentation (default true, as upstream). */
  backgroundAugmentation?: boolean;
}

/**
 * A flow density model on raw images: preprocessing (docs/reference-notes.md §1.4) + Flow. Images are NHWC
 * [B, H, W, C] with raw values (0..255); use layout.toNhwc for NCHW data. log p is in nats of x̃
 * (docs/reference-notes.md §2.1); see units.ts.
 */
export class FlowModel {
  readonly spec: FlowModelSpec;
  readonly flow: Flow;
  readonly dataShape: ChwShape;
  readonly dim: number;

  constructor(spec: FlowModelSpec, flow: Flow) {
    this.spec = spec;
    this.flow = flow;
    this.dataShape = spec.dataShape;
    this.dim = spec.dataShape[0] * spec.dataShape[1] * spec.dataShape[2];
    if (flow.latentSize !== this.dim) throw new Error(`FlowModel: flow latent size ${flow.latentSize} differs from D = ${this.dim}`);
  }

  /** Raw pixels → x̃ (dequantized, scaled), NHWC. Noise from `seeds`, else from `seed`, else unseeded. */
  preprocess(x: tf.Tensor, opts: LogProbOptions & { seeds?: SeedStream } = {}): tf.Tensor4D {
    this.checkImages(x);
    return applyDataTransform(x, this.spec.dataTransform, {
      dequantize: opts.dequantize,
      backgroundAugmentation: opts.backgroundAugmentation,
      seeds: opts.seeds ?? (opts.seed === undefined ? undefined : new SeedStream(opts.seed)),
    }) as tf.Tensor4D;
  }

  /** log p(x̃) in nats per image [B] for raw NHWC images. */
  logProb(x: tf.Tensor, opts: LogProbOptions = {}): tf.Tensor1D {
    const seeds = opts.seed === undefined ? undefined : new SeedStream(opts.seed);
    return tf.tidy(() => {
      const xt = this.preprocess(x, { ...opts, seeds });
      return this.flow.logProb(xt, { training: opts.training ?? false, seeds });
    });
  }

  /** Mean negative log-likelihood over the batch (the training loss), nats. */
  loss(x: tf.Tensor, opts: LogProbOptions = {}): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.logProb(x, opts))));
  }

  /** x̃ → z [B, D] (reference latent order) and log|det ∂z/∂x̃|. */
  encode(xt: tf.Tensor): { z: tf.Tensor2D; logabsdet: tf.Tensor1D } {
    return this.flow.forward(xt);
  }

  /** z → x̃ (NHWC) and log|det ∂x̃/∂z|. Call prepareInverse() first on backends without synchronous reads. */
  decode(z: tf.Tensor): { x: tf.Tensor4D; logabsdet: tf.Tensor1D } {
    return this.flow.inverse(z);
  }

  /** Precompute the 1×1-conv inverses with asynchronous reads. */
  async prepareInverse(): Promise<void> {
    for (const m of this.modules()) if (m instanceof OneByOneConvolution) await m.prepareInverse();
  }

  /**
   * n samples as raw NHWC images: z ~ N(0, I) drawn at once from `seed` (so the samples do not depend on
   * batchSize), decoded in batches, then the inverse data transform (×256 and floor with dequantization).
   */
  async sample(n: number, opts: { seed?: number; batchSize?: number } = {}): Promise<tf.Tensor4D> {
    await this.prepareInverse();
    const batchSize = opts.batchSize ?? 256;
    const z = this.flow.base.sample(n, opts.seed === undefined ? undefined : deriveSeed(opts.seed, 0x5a3));
    try {
      const parts: tf.Tensor4D[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        parts.push(
          tf.tidy(() => invertDataTransform(this.flow.inverse(tf.slice(z, [start, 0], [size, this.dim])).x, this.spec.dataTransform) as tf.Tensor4D),
        );
      }
      const out = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor4D);
      if (parts.length > 1) parts.forEach((p) => p.dispose());
      return out;
    } finally {
      z.dispose();
    }
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.flow.namedParameters();
  }

  parameters(): tf.Variable[] {
    return this.flow.parameters();
  }

  numParameters(): number {
    return this.parameters().reduce((s, v) => s + v.size, 0);
  }

  stateDict(): Record<string, StateValue> {
    return this.flow.stateDict();
  }

  loadStateDict(state: Record<string, StateValue>): void {
    this.flow.loadStateDict(state);
  }

  /** Every module of the flow, depth first (for architecture summaries and state access). */
  modules(): unknown[] {
    const out: unknown[] = [];
    const walk = (m: { children(): Array<[string, unknown]> }) => {
      for (const [, c] of m.children()) {
        out.push(c);
        walk(c as { children(): Array<[string, unknown]> });
      }
    };
    walk(this.flow);
    return out;
  }

  dispose(): void {
    this.flow.dispose();
  }

  private checkImages(x: tf.Tensor): void {
    assertRank4(x, 'FlowModel');
    const [c, h, w] = this.dataShape;
    const [, hh, ww, cc] = x.shape;
    if (hh !== h || ww !== w || cc !== c) {
      throw new Error(`FlowModel: expected NHWC images [B, ${h}, ${w}, ${c}], got [${x.shape.join(', ')}]` + (x.shape[1] === c && x.shape[2] === h ? ' (NCHW? convert with toNhwc)' : ''));
    }
  }
}
