/**
 * A flow's log-likelihood settings an OOD method may pass (the capability's `options`):
 *   dequantization: random (the model's training noise, seeded; default when the model dequantizes) |
 *                   midpoint (each pixel at the centre of its dequantization bin: deterministic) |
 *                   off (x/m as the reference's likelihood-ratio and complexity baselines scale, for parity);
 *   background_augmentation: true | false (the spec's input perturbation; default true, as the reference).
 */
import { FlowConfigError } from './errors.js';
import type { LogProbOptions } from './model.js';

const DEQUANTIZATION = { random: true, midpoint: 'midpoint', off: false } as const;
const KEYS = ['dequantization', 'background_augmentation'];

export function readFlowLikelihoodOptions(value: unknown, path: string): Pick<LogProbOptions, 'dequantize' | 'backgroundAugmentation'> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new FlowConfigError(`must be a mapping of flow likelihood settings (got ${JSON.stringify(value)})`, path);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!KEYS.includes(key)) throw new FlowConfigError(`is not a flow likelihood setting (known: ${KEYS.join(', ')})`, `${path}.${key}`);
  }
  const out: Pick<LogProbOptions, 'dequantize' | 'backgroundAugmentation'> = {};
  if (v.dequantization !== undefined) {
    const d = v.dequantization;
    if (typeof d !== 'string' || !(d in DEQUANTIZATION)) throw new FlowConfigError(`must be one of ${Object.keys(DEQUANTIZATION).join(', ')} (got ${JSON.stringify(d)})`, `${path}.dequantization`);
    out.dequantize = DEQUANTIZATION[d as keyof typeof DEQUANTIZATION];
  }
  if (v.background_augmentation !== undefined) {
    if (typeof v.background_augmentation !== 'boolean') throw new FlowConfigError(`must be true or false (got ${JSON.stringify(v.background_augmentation)})`, `${path}.background_augmentation`);
    out.backgroundAugmentation = v.background_augmentation;
  }
  return out;
}
