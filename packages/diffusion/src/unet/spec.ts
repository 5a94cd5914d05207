/**
 * The U-Net's architecture as plain JSON (stored in checkpoints). Field names follow diffusers'
 * `UNet2DModel` arguments in camelCase, so the reference's `score_network_kwargs` map onto it one to one;
 * fields the reference leaves at the library default carry that default here.
 */
export type DownBlockType = 'DownBlock2D' | 'AttnDownBlock2D';
export type UpBlockType = 'UpBlock2D' | 'AttnUpBlock2D';

export interface UNetSpec {
  /** Image side (square images), e.g. 32. */
  sampleSize: number;
  inChannels: number;
  outChannels: number;
  /** ResNet blocks per down block; the up blocks have one more. */
  layersPerBlock: number;
  /** Output channels of each resolution level, e.g. [128, 128, 256, 256, 512, 512]. */
  blockOutChannels: number[];
  downBlockTypes: DownBlockType[];
  upBlockTypes: UpBlockType[];
  /** GroupNorm groups (diffusers default 32); every channel count must be divisible by it. */
  normNumGroups: number;
  /** GroupNorm epsilon (default 1e-5). */
  normEps: number;
  /** Width of one attention head (default 8): heads = channels / attentionHeadDim. */
  attentionHeadDim: number;
  /** Sinusoidal embedding order: cos first when true (the reference's setting). */
  flipSinToCos: boolean;
  /** diffusers' `freq_shift` (0 in the reference). */
  freqShift: number;
  /** Attention in the mid block (diffusers default true). */
  midBlockAttention: boolean;
  /** Dropout inside ResNet blocks, training mode only (0 in the reference). */
  dropout: number;
}

export const UNET_DEFAULTS = {
  normNumGroups: 32,
  normEps: 1e-5,
  attentionHeadDim: 8,
  flipSinToCos: true,
  freqShift: 0,
  midBlockAttention: true,
  dropout: 0,
} as const satisfies Partial<UNetSpec>;
