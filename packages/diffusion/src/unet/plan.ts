import type { UNetSpec } from './spec.js';

/** One ResnetBlock2D (in → out channels) at a side of `resolution` pixels, optionally followed by attention. */
export interface ResnetPlan {
  inChannels: number;
  outChannels: number;
  resolution: number;
  attention: boolean;
}

export interface DownBlockPlan {
  resnets: ResnetPlan[];
  /** Channels of the stride-2 conv after the block (input side `resolution`), or null for the last block. */
  downsample: { channels: number; resolution: number } | null;
}

export interface UpBlockPlan {
  /** inChannels already counts the concatenated skip. */
  resnets: Array<ResnetPlan & { skipChannels: number }>;
  /** Channels of the ×2 upsampling and its conv (input side `resolution`), or null for the last block. */
  upsample: { channels: number; resolution: number } | null;
}

/**
 * The channel and resolution bookkeeping of diffusers' UNet2DModel, shared by the module that builds the
 * network, the analytic parameter count and the FLOP count. Skip widths come from simulating the skip stack
 * (conv_in's output, every down resnet's output, every downsample's output; each up resnet pops one), which is
 * what UpBlock2D's `prev_output_channel` / `res_skip_channels` arithmetic encodes.
 */
export interface UNetPlan {
  /** Width of the sinusoidal projection (blockOutChannels[0]). */
  timeProjDim: number;
  /** Width of the time embedding (4·blockOutChannels[0]). */
  timeEmbedDim: number;
  down: DownBlockPlan[];
  /** mid_block: resnet → (attention) → resnet at the last level's width and resolution. */
  mid: { channels: number; resolution: number; attention: boolean };
  up: UpBlockPlan[];
}

export function unetPlan(spec: UNetSpec): UNetPlan {
  const channels = spec.blockOutChannels;
  const levels = channels.length;
  const c0 = channels[0]!;
  const skips: number[] = [c0];
  let width = c0;
  let resolution = spec.sampleSize;
  const down: DownBlockPlan[] = channels.map((out, i) => {
    const attention = spec.downBlockTypes[i] === 'AttnDownBlock2D';
    const resnets: ResnetPlan[] = [];
    for (let j = 0; j < spec.layersPerBlock; j++) {
      resnets.push({ inChannels: width, outChannels: out, resolution, attention });
      width = out;
      skips.push(out);
    }
    let downsample: DownBlockPlan['downsample'] = null;
    if (i < levels - 1) {
      downsample = { channels: out, resolution };
      resolution /= 2;
      skips.push(out);
    }
    return { resnets, downsample };
  });
  const mid = { channels: width, resolution, attention: spec.midBlockAttention };
  const up: UpBlockPlan[] = channels.map((_, i) => {
    const out = channels[levels - 1 - i]!;
    const attention = spec.upBlockTypes[i] === 'AttnUpBlock2D';
    const resnets: UpBlockPlan['resnets'] = [];
    for (let j = 0; j <= spec.layersPerBlock; j++) {
      const skipChannels = skips.pop()!;
      resnets.push({ inChannels: width + skipChannels, skipChannels, outChannels: out, resolution, attention });
      width = out;
    }
    let upsample: UpBlockPlan['upsample'] = null;
    if (i < levels - 1) {
      upsample = { channels: out, resolution };
      resolution *= 2;
    }
    return { resnets, upsample };
  });
  return { timeProjDim: c0, timeEmbedDim: 4 * c0, down, mid, up };
}
