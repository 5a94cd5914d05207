import type { SdeSpec } from '../spec.js';
import type { Sde } from './sde.js';
import { VeSde } from './ve-sde.js';
import { VpSde } from './vp-sde.js';

export * from './sde.js';
export { VeSde } from './ve-sde.js';
export { VpSde } from './vp-sde.js';

export function sdeFromSpec(spec: SdeSpec): Sde {
  return spec.type === 'vp' ? new VpSde(spec.betaMin, spec.betaMax, spec.T) : new VeSde(spec.gMin, spec.gMax, spec.T);
}
