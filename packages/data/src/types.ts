/** The three roles of the reference project's loaders (docs/reference-notes.md §1.1). */
export const ROLES = ['train', 'valid', 'test'] as const;
export type Role = (typeof ROLES)[number];

export type Shape4 = [n: number, c: number, h: number, w: number];

/**
 * A set of images in NCHW order. Pixels are in [0, 255]: `Uint8Array` when they are still exact bytes,
 * `Float32Array` once something made them non-integer (a float resize, a transform).
 */
export interface ImageArray {
  images: Uint8Array | Float32Array;
  shape: Shape4;
  /** One class label per image, when the source has labels. */
  labels?: Int32Array;
}

/** The subset of a pino logger the data package uses. */
export interface DataLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const silentLogger: DataLogger = { info() {}, warn() {} };

