export { LpipsError, type LpipsErrorCode, type LpipsErrorDetails } from './errors.js';
export { Lpips, loadLpips, LPIPS_MIN_SIZE, type LpipsDistanceOptions, type LpipsInputRange } from './lpips.js';
export {
  ALEXNET_CONVS,
  DEFAULT_SCALE,
  DEFAULT_SHIFT,
  TAP_CHANNELS,
  TORCHVISION_ALEXNET_FILE,
  readLpipsWeights,
  resolveLpipsWeights,
  type LpipsParameter,
  type LpipsWeightPaths,
  type LpipsWeights,
} from './weights.js';
