// Specs shared by the U-Net tests.
import { UNET_DEFAULTS, type UNetSpec } from './spec.js';

/** Two levels, attention in the lower one and in the mid block, 4 heads of width 4 at 16 channels. */
export const TINY_SPEC: UNetSpec = {
  ...UNET_DEFAULTS,
  sampleSize: 8,
  inChannels: 1,
  outChannels: 1,
  layersPerBlock: 1,
  blockOutChannels: [8, 16],
  downBlockTypes: ['DownBlock2D', 'AttnDownBlock2D'],
  upBlockTypes: ['AttnUpBlock2D', 'UpBlock2D'],
  normNumGroups: 4,
  attentionHeadDim: 4,
};
