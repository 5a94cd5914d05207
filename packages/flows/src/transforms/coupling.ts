import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { assertRank4 } from '../layout.js';
import { ConvResidualNet } from '../nets/conv-residual-net.js';
import { assertSinglePoint, linearizeInScope, makeLinearization } from '../linearization.js';
import type { ChwShape, FlowContext, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';
import { ChannelSplitter } from './channel-mask.js';
import { windowedJacobianTransposed, windowedSeedCount } from './windowed-jacobian.js';

export interface CouplingNetOptions {
  hiddenChannels: number;
  numBlocks?: number;
  dropout?: number;
}

export interface CouplingOptions {
  /** Number of channels C of the input (the reference's mask.dim). */
  channels: number;
  /** Mask flip (reference mask.flip): false transforms the odd channels, true the even ones. */
  flip: boolean;
  net: CouplingNetOptions;
  seed?: number;
  /** The coupling only sees 1×1 maps: store only the centre taps of the net's 3×3 convs (see ConvResidualNet). */
  onePixel?: boolean;
}

/**
 * Channel-mask coupling (nflows CouplingTransform with a ConvResidualNet conditioner): the identity channels
 * go through the net, whose output parametrises an elementwise bijection of the transformed channels.
 */
export abstract class ChannelCoupling extends Module implements Transform {
  abstract readonly kind: string;
  readonly channels: number;
  readonly flip: boolean;
  readonly numIdentity: number;
  readonly numTransformed: number;
  readonly net: ConvResidualNet;
  private readonly splitter: ChannelSplitter;

  protected constructor(opts: CouplingOptions, paramsPerChannel: number) {
    super();
    this.channels = opts.channels;
    this.flip = opts.flip;
    this.splitter = new ChannelSplitter({ dim: opts.channels, flip: opts.flip });
    this.numIdentity = this.splitter.identity.length;
    this.numTransformed = this.splitter.transformed.length;
    if (this.numIdentity === 0 || this.numTransformed === 0) {
      throw new Error(`coupling on ${opts.channels} channel(s): the mask leaves nothing to ${this.numIdentity === 0 ? 'condition on' : 'transform'}`);
    }
    this.net = this.addChild(
      'net',
      new ConvResidualNet({
        inChannels: this.numIdentity,
        outChannels: this.numTransformed * paramsPerChannel,
        hiddenChannels: opts.net.hiddenChannels,
        numBlocks: opts.net.numBlocks ?? 2,
        dropout: opts.net.dropout ?? 0,
        seed: opts.seed ?? 0,
        centreTapOnly: opts.onePixel ?? false,
      }),
    );
  }

  outputShape(input: ChwShape): ChwShape {
    if (input[0] !== this.channels) throw new Error(`${this.kind}(${this.channels}): input has ${input[0]} channels`);
    return input;
  }

  forward(x: tf.Tensor, ctx?: FlowContext): ForwardResult {
    assertRank4(x, `${this.kind}.forward`);
    this.outputShape([x.shape[3]!, x.shape[1]!, x.shape[2]!]);
    return tf.tidy(() => {
      const { identity, transformed } = this.splitter.split(x);
      const { outputs, logabsdet } = this.transformChannels(transformed, identity, ctx, false);
      return { y: this.splitter.merge(identity, outputs), logabsdet };
    });
  }

  inverse(y: tf.Tensor, ctx?: FlowContext): InverseResult {
    assertRank4(y, `${this.kind}.inverse`);
    this.outputShape([y.shape[3]!, y.shape[1]!, y.shape[2]!]);
    return tf.tidy(() => {
      const { identity, transformed } = this.splitter.split(y);
      const { outputs, logabsdet } = this.transformChannels(transformed, identity, ctx, true);
      return { x: this.splitter.merge(identity, outputs), logabsdet };
    });
  }

  /**
   * The inverse linearised at one point y: the net (with its ReLU masks fixed) is linear in the identity
   * channels, and the elementwise bijection has, per element, one derivative with respect to its input and one
   * per parameter, all obtained exactly by a single reverse pass at batch 1 (elements do not interact).
   */
  linearizeInverse(y: tf.Tensor): Linearization {
    assertRank4(y, `${this.kind}.linearizeInverse`);
    assertSinglePoint(y, `${this.kind}.linearizeInverse`);
    this.outputShape([y.shape[3]!, y.shape[1]!, y.shape[2]!]);
    const [, hh, ww] = y.shape as [number, number, number, number];
    const n = this.numTransformed;
    return linearizeInScope(() => {
      const { identity, transformed } = this.splitter.split(y);
      const { period, slots } = this.parameterLayout();
      const net = this.net.linearizeSplit(identity, period, slots);
      const params = net.values;
      // One pass gives the outputs and, per element, their derivatives (kept out of the gradient's scope).
      let outputs: tf.Tensor | undefined;
      const [dInput, ...dParams] = tf.grads((...args: tf.Tensor[]) => {
        const o = this.elementwise(args[0] as tf.Tensor4D, args.slice(1) as tf.Tensor4D[], true).outputs;
        outputs = tf.keep(o);
        return tf.sum(o);
      })([transformed, ...params]);
      const value = this.splitter.merge(identity, outputs!);
      outputs!.dispose();
      // Parameter j of a slot with m per element sits at channel c·m + j for transformed channel c: [1,H,W,n,m].
      const perElement = dParams.map((d) => tf.reshape(d!, [1, hh, ww, n, d!.shape[3]! / n]));
      // ∂x_T/∂y_I, the coupling's only non-diagonal block: through the linearised net, then the parameter derivatives.
      const offDiagonal = (tI: tf.Tensor): tf.Tensor => {
        const r = tI.shape[0]!;
        return net
          .jvp(tI)
          .map((tp, i) => tf.sum(tf.mul(tf.reshape(tp, [r, hh, ww, n, perElement[i]!.shape[4]!]), perElement[i]!), 4))
          .reduce((a, b) => tf.add(a, b));
      };
      // For batches of many vectors it is cheaper to form the block once as a dense [inSize, outSize] matrix
      // and multiply by it: every later pass is a matMul. The net is spatially local, so the block comes from
      // one net pass over a few windowed seed vectors (fewer than the inSize unit vectors on large maps).
      const inSize = hh * ww * this.numIdentity;
      const outSize = hh * ww * n;
      const radius = this.net.receptiveRadius;
      const seedCount = windowedSeedCount(hh, ww, this.numIdentity, radius);
      let block: tf.Tensor2D | null = null;
      const denseBlock = (): tf.Tensor2D => {
        block ??= tf.keep(windowedJacobianTransposed(offDiagonal, [hh, ww, this.numIdentity, n], radius));
        return block;
      };
      return makeLinearization({
        value,
        saved: [dInput!, ...perElement],
        children: [net, { dispose: () => block?.dispose() }],
        inputShape: y.shape.slice(1),
        jvp: (t) => {
          const r = t.shape[0]!;
          const { identity: tI, transformed: tT } = this.splitter.split(t);
          const coupled = r >= seedCount ? tf.reshape(tf.matMul(tf.reshape(tI, [r, inSize]), denseBlock()), [r, hh, ww, n]) : offDiagonal(tI);
          return this.splitter.merge(tI, tf.add(tf.mul(tT, dInput!), coupled));
        },
        vjp: (g) => {
          const r = g.shape[0]!;
          const { identity: gI, transformed: gT } = this.splitter.split(g);
          let coupled: tf.Tensor;
          if (r >= seedCount) {
            coupled = tf.reshape(tf.matMul(tf.reshape(gT, [r, outSize]), denseBlock(), false, true), [r, hh, ww, this.numIdentity]);
          } else {
            const gColumn = tf.reshape(gT, [r, hh, ww, n, 1]);
            coupled = net.vjp(perElement.map((d) => tf.reshape(tf.mul(gColumn, d), [r, hh, ww, n * d.shape[4]!])));
          }
          return this.splitter.merge(tf.add(gI, coupled), tf.mul(gT, dInput!));
        },
      });
    });
  }

  override dispose(): void {
    super.dispose();
    this.splitter.dispose();
  }

  /** Elementwise bijection of the transformed channels [B,H,W,n], conditioned on the identity channels. */
  protected transformChannels(
    inputs: tf.Tensor4D,
    conditioner: tf.Tensor4D,
    ctx: FlowContext | undefined,
    inverse: boolean,
  ): { outputs: tf.Tensor4D; logabsdet: tf.Tensor1D } {
    const { period, slots } = this.parameterLayout();
    return this.elementwise(inputs, this.net.applySplit(conditioner, ctx, period, slots), inverse);
  }

  /**
   * Where the bijection's parameters sit in the net output, as ConvResidualNet.applySplit slots: the output is
   * viewed as groups of `period` channels, and each slot becomes one parameter tensor.
   */
  protected abstract parameterLayout(): { period: number; slots: Array<{ offset: number; size: number }> };

  /**
   * The bijection of the transformed channels [B,H,W,n] given its parameter tensors (one per slot of
   * parameterLayout, [B,H,W,n·m], parameter j of channel c at c·m + j). Elementwise: output element e may
   * depend only on input element e and on its own parameters (linearizeInverse relies on it).
   */
  protected abstract elementwise(
    inputs: tf.Tensor4D,
    params: tf.Tensor4D[],
    inverse: boolean,
  ): { outputs: tf.Tensor4D; logabsdet: tf.Tensor1D };
}
