import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { assertRank4 } from '../layout.js';
import { ConvResidualNet } from '../nets/conv-residual-net.js';
import type { ChwShape, FlowContext, ForwardResult, InverseResult, Transform } from '../types.js';
import { ChannelSplitter } from './channel-mask.js';

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

  override dispose(): void {
    super.dispose();
    this.splitter.dispose();
  }

  /** Elementwise bijection of the transformed channels [B,H,W,n], conditioned on the identity channels. */
  protected abstract transformChannels(
    inputs: tf.Tensor4D,
    conditioner: tf.Tensor4D,
    ctx: FlowContext | undefined,
    inverse: boolean,
  ): { outputs: tf.Tensor4D; logabsdet: tf.Tensor1D };
}
