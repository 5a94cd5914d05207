/** nflows' spline defaults (no tensor library here: spec parsing reads them where tfjs is not loaded). */
export const DEFAULT_MIN_BIN_WIDTH = 1e-3;
export const DEFAULT_MIN_BIN_HEIGHT = 1e-3;
export const DEFAULT_MIN_DERIVATIVE = 1e-3;
