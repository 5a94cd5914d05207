/**
 * A test-only model family: every pixel an independent Gaussian (learned mean and log-std) on the dequantized
 * image scaled to [0, 1). Small enough to train in a test; it shows that a family is one module.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelFamily, TrainableModel } from '@dgm-ood/models';
import { ModelError } from '@dgm-ood/models';

interface PixelGaussianSpec {
  dataShape: [number, number, number];
}

class PixelGaussian implements TrainableModel {
  readonly mean: tf.Variable;
  readonly logStd: tf.Variable;
  constructor(readonly spec: PixelGaussianSpec) {
    const [c, h, w] = spec.dataShape;
    this.mean = tf.variable(tf.fill([1, h, w, c], 0.5), true);
    this.logStd = tf.variable(tf.fill([1, h, w, c], -1), true);
  }
  /** log p(x̃) in nats per image for raw NHWC images, with seeded dequantization noise. */
  logProb(images: tf.Tensor4D, seed: number): tf.Tensor1D {
    return tf.tidy(() => {
      const x = tf.div(tf.add(images, tf.randomUniform(images.shape, 0, 1, 'float32', seed)), 256);
      const z = tf.div(tf.sub(x, this.mean), tf.exp(this.logStd));
      const perPixel = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(this.logStd, 0.5 * Math.log(2 * Math.PI)));
      return tf.sum(perPixel, [1, 2, 3]) as tf.Tensor1D;
    });
  }
  namedParameters(): Array<[string, tf.Variable]> {
    return [['mean', this.mean], ['log_std', this.logStd]];
  }
  stateDict() {
    return {};
  }
  loadStateDict(): void {}
  numParameters(): number {
    return this.mean.size + this.logStd.size;
  }
  dispose(): void {
    tf.dispose([this.mean, this.logStd]);
  }
}

export const pixelGaussianFamily: ModelFamily<PixelGaussianSpec, PixelGaussian> = {
  name: 'pixel-gaussian',
  formatVersion: 1,
  capabilities: ['logLikelihood', 'sample'],
  matches: (section) => typeof section === 'object' && section !== null && !Array.isArray(section) && section.class_path === 'test.PixelGaussian',
  readSpec(section, { path }) {
    const shape = (section as { init_args?: { data_shape?: unknown } }).init_args?.data_shape ?? [1, 28, 28];
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ModelError('MODELS_SPEC_INVALID', `config ${path}.init_args.data_shape: must be [C, H, W] (got ${JSON.stringify(shape)})`);
    }
    return { dataShape: shape as [number, number, number] };
  },
  validateSpec: (spec) => spec as PixelGaussianSpec,
  dataShape: (spec) => spec.dataShape,
  build: async (spec) => new PixelGaussian(spec),
  objective: (model) => ({
    lossName: 'nll',
    loss: (images, { seed }) => tf.tidy(() => tf.neg(tf.mean(model.logProb(images, seed))) as tf.Scalar),
    metrics: (loss) => ({ bits_per_dim: loss / (model.mean.size * Math.LN2) + 8 }),
    // The same log p image by image, through the generic test-evaluation path (`trainer.test_evaluation`).
    testEvaluation: () => ({
      name: 'log_p',
      batch: async (images, seed) => {
        const lp = model.logProb(images, seed);
        const values = Float64Array.from(await lp.data());
        lp.dispose();
        return values;
      },
      metrics: (mean) => ({ bits_per_dim: -mean / (model.mean.size * Math.LN2) + 8 }),
    }),
  }),
  readTestEvaluation(settings, path) {
    if (typeof settings !== 'object' || settings === null || Object.keys(settings).length > 0) {
      throw new ModelError('MODELS_SPEC_INVALID', `config ${path}: the pixel Gaussian takes no settings (got ${JSON.stringify(settings)})`);
    }
    return {};
  },
  capabilitiesOf: async (model) => ({
    logLikelihood: async (images, seed) => {
      const lp = model.logProb(images, seed);
      const values = Float64Array.from(await lp.data());
      lp.dispose();
      return values;
    },
    sample: async (n, seed) =>
      tf.tidy(() => tf.clipByValue(tf.floor(tf.mul(tf.add(tf.mul(tf.randomNormal([n, ...model.mean.shape.slice(1)], 0, 1, 'float32', seed), tf.exp(model.logStd)), model.mean), 256)), 0, 255) as tf.Tensor4D),
  }),
};
