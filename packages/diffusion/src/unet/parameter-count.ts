import { unetPlan, type ResnetPlan } from './plan.js';
import type { UNetSpec } from './spec.js';
import { validateUNetSpec } from './validate-spec.js';

const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const linear = (cin: number, cout: number) => cin * cout + cout;
const groupNorm = (c: number) => 2 * c;

function resnetParameters(r: ResnetPlan, timeEmbedDim: number): number {
  const { inChannels: i, outChannels: o } = r;
  const shortcut = i === o ? 0 : conv(1, i, o);
  return groupNorm(i) + conv(3, i, o) + linear(timeEmbedDim, o) + groupNorm(o) + conv(3, o, o) + shortcut;
}

const attentionParameters = (c: number) => groupNorm(c) + 4 * linear(c, c);

/** Trainable parameters of UNet2D(spec), in closed form from the spec (no tensors are built). */
export function countUNetParameters(spec: UNetSpec): number {
  validateUNetSpec(spec);
  const plan = unetPlan(spec);
  const t = plan.timeEmbedDim;
  const c0 = plan.timeProjDim;
  let n = conv(3, spec.inChannels, c0) + linear(c0, t) + linear(t, t);
  const block = (r: ResnetPlan) => resnetParameters(r, t) + (r.attention ? attentionParameters(r.outChannels) : 0);
  for (const d of plan.down) {
    for (const r of d.resnets) n += block(r);
    if (d.downsample) n += conv(3, d.downsample.channels, d.downsample.channels);
  }
  const m = plan.mid;
  const midResnet = { inChannels: m.channels, outChannels: m.channels, resolution: m.resolution, attention: false };
  n += 2 * resnetParameters(midResnet, t) + (m.attention ? attentionParameters(m.channels) : 0);
  for (const u of plan.up) {
    for (const r of u.resnets) n += block(r);
    if (u.upsample) n += conv(3, u.upsample.channels, u.upsample.channels);
  }
  return n + groupNorm(c0) + conv(3, c0, spec.outChannels);
}

/**
 * Forward FLOPs of one image at spec.sampleSize: 2 × the multiply-adds of the convolutions, the linear layers
 * (time embedding and projections, attention q/k/v/out) and the attention products QKᵀ and PV. Normalisation,
 * activations, softmax and additions are left out (they are linear in the activation size, a few % here).
 */
export function unetFlopsPerImage(spec: UNetSpec): number {
  validateUNetSpec(spec);
  const plan = unetPlan(spec);
  const t = plan.timeEmbedDim;
  const c0 = plan.timeProjDim;
  const convMacs = (k: number, cin: number, cout: number, side: number) => side * side * k * k * cin * cout;
  const resnetMacs = (r: ResnetPlan) =>
    convMacs(3, r.inChannels, r.outChannels, r.resolution) +
    convMacs(3, r.outChannels, r.outChannels, r.resolution) +
    (r.inChannels === r.outChannels ? 0 : convMacs(1, r.inChannels, r.outChannels, r.resolution)) +
    t * r.outChannels;
  const attentionMacs = (c: number, side: number) => {
    const tokens = side * side;
    return 4 * tokens * c * c + 2 * tokens * tokens * c;
  };
  const blockMacs = (r: ResnetPlan) => resnetMacs(r) + (r.attention ? attentionMacs(r.outChannels, r.resolution) : 0);
  let macs = convMacs(3, spec.inChannels, c0, spec.sampleSize) + c0 * t + t * t;
  for (const d of plan.down) {
    for (const r of d.resnets) macs += blockMacs(r);
    if (d.downsample) macs += convMacs(3, d.downsample.channels, d.downsample.channels, d.downsample.resolution / 2);
  }
  const m = plan.mid;
  macs += 2 * resnetMacs({ inChannels: m.channels, outChannels: m.channels, resolution: m.resolution, attention: false });
  if (m.attention) macs += attentionMacs(m.channels, m.resolution);
  for (const u of plan.up) {
    for (const r of u.resnets) macs += blockMacs(r);
    if (u.upsample) macs += convMacs(3, u.upsample.channels, u.upsample.channels, u.upsample.resolution * 2);
  }
  macs += convMacs(3, c0, spec.outChannels, spec.sampleSize);
  return 2 * macs;
}
