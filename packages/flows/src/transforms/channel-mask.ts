import * as tf from '@tensorflow/tfjs';

/**
 * Channel-wise coupling mask of the reference (ConfigurableCouplingTransform with the default mask function):
 * m_c = −1 for even c, +1 for odd c, negated when flip = true. Channels with m > 0 are transformed, the rest
 * condition the network. So flip = false transforms the odd channels, flip = true the even ones.
 */
export interface ChannelMask {
  dim: number;
  flip: boolean;
}

export function maskValues({ dim, flip }: ChannelMask): number[] {
  const out: number[] = [];
  for (let c = 0; c < dim; c++) {
    const base = c % 2 === 0 ? -1 : 1;
    out.push(flip ? -base : base);
  }
  return out;
}

export function transformedChannels(mask: ChannelMask): number[] {
  return maskValues(mask).flatMap((m, c) => (m > 0 ? [c] : []));
}

export function identityChannels(mask: ChannelMask): number[] {
  return maskValues(mask).flatMap((m, c) => (m <= 0 ? [c] : []));
}

/**
 * Splits NHWC channels into the (identity, transformed) groups of a mask, each in increasing channel order, and
 * merges them back into their original positions. Implemented as matMuls with constant 0/1 selection matrices:
 * no gather (its gradient is missing on wasm) and no strided slicing of activations. Exact: each output is one
 * input times 1 plus zeros.
 */
export class ChannelSplitter {
  readonly identity: number[];
  readonly transformed: number[];
  private readonly selectIdentity: tf.Tensor2D;
  private readonly selectTransformed: tf.Tensor2D;

  constructor(readonly mask: ChannelMask) {
    this.identity = identityChannels(mask);
    this.transformed = transformedChannels(mask);
    this.selectIdentity = tf.keep(selection(mask.dim, this.identity));
    this.selectTransformed = tf.keep(selection(mask.dim, this.transformed));
  }

  split(x: tf.Tensor): { identity: tf.Tensor4D; transformed: tf.Tensor4D } {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      if (c !== this.mask.dim) throw new Error(`ChannelSplitter: expected ${this.mask.dim} channels, got ${c}`);
      const rows = tf.reshape(x, [b * h * w, c]);
      return {
        identity: tf.reshape(tf.matMul(rows, this.selectIdentity), [b, h, w, this.identity.length]) as tf.Tensor4D,
        transformed: tf.reshape(tf.matMul(rows, this.selectTransformed), [b, h, w, this.transformed.length]) as tf.Tensor4D,
      };
    });
  }

  merge(identity: tf.Tensor, transformed: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w] = identity.shape as [number, number, number, number];
      const rowsI = tf.reshape(identity, [b * h * w, this.identity.length]);
      const rowsT = tf.reshape(transformed, [b * h * w, this.transformed.length]);
      const merged = tf.add(tf.matMul(rowsI, this.selectIdentity, false, true), tf.matMul(rowsT, this.selectTransformed, false, true));
      return tf.reshape(merged, [b, h, w, this.mask.dim]) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.selectIdentity.dispose();
    this.selectTransformed.dispose();
  }
}

/** [C, n] with a 1 at (channels[j], j). */
function selection(c: number, channels: number[]): tf.Tensor2D {
  const data = new Float32Array(c * channels.length);
  channels.forEach((ch, j) => {
    data[ch * channels.length + j] = 1;
  });
  return tf.tensor2d(data, [c, channels.length]);
}
