export { UNet2D, type UNet2DOptions } from './unet2d.js';
export { countUNetParameters, unetFlopsPerImage } from './parameter-count.js';
export { loadTorchStateDict, type TorchTensorEntry } from './load-torch-state-dict.js';
export { validateUNetSpec } from './validate-spec.js';
export { unetPlan, type UNetPlan } from './plan.js';
export { UNET_DEFAULTS, type UNetSpec, type DownBlockType, type UpBlockType } from './spec.js';
