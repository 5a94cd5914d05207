/**
 * The diffusion model specification we build from: plain JSON, stored in checkpoints so that a checkpoint
 * rebuilds its own model. The reference's YAML model sections (upstream-config.ts) and our presets
 * (presets.ts) both become this form.
 */
import type { UNetSpec } from './unet/spec.js';

export const DIFFUSION_SPEC_FORMAT = 'dgm-ood/diffusion-spec@1';

/** VP: β(t) = βmin + (βmax − βmin)·t. VE: β(t) = g_diff·exp(g_min + g_diff·t), g_diff = (g_max − g_min)/T. */
export type SdeSpec =
  | { type: 'vp'; betaMin: number; betaMax: number; T: number }
  | { type: 've'; gMin: number; gMax: number; T: number };

export interface DiffusionDataTransform {
  /** x ← x + u, u ~ U[0,1): in training and, as in the reference, in evaluation unless switched off per call. */
  dequantize: boolean;
  /** Raw pixel range (0..255 for every image dataset of the reference). */
  dataMin: number;
  dataMax: number;
  /** Clamp samples to [dataMin, dataMax] after the inverse transform. */
  clampSamples: boolean;
}

export interface DiffusionModelSpec {
  format: typeof DIFFUSION_SPEC_FORMAT;
  /** [C, H, W] of the images. */
  dataShape: [number, number, number];
  /** Data are scaled to [−1, 1]: x̃ = 2·(x − dataMin)/(dataMax − dataMin + deq) − 1. */
  dataTransform: DiffusionDataTransform;
  sde: SdeSpec;
  network: { type: 'unet2d' } & UNetSpec;
  /** Seed of the initial weights. */
  seed: number;
  /** Name of the preset it came from, if any (for logs). */
  preset?: string;
}

export const DEFAULT_DIFFUSION_DATA_TRANSFORM: DiffusionDataTransform = {
  dequantize: true,
  dataMin: 0,
  dataMax: 255,
  clampSamples: false,
};
