export { symmetricEigenvalues } from './symmetric-eigenvalues.js';
export { calibrateScale, calibrateScaleToPercentile, EIGENVALUE_FLOOR, GRAM_CLAMP, gramSpectrum, thresholdLid } from './spectrum.js';
export type { CalibrationPoint, LidAtScale } from './spectrum.js';
export { gramEigen, taylorLid, type GramEigen } from './taylor.js';
export type { CalibrationOptions } from './spectrum.js';
export { covariance, lpcaDimensionFromCovariance } from './lpca.js';
