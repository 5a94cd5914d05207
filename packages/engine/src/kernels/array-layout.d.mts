/** Kernels pass 4-byte words (Int32Array views of float32 or int32 data); tests may pass floats. */
export type Flat = Int32Array | Float32Array;

export function simplifyTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] };
export function transposeInto(x: Flat, shape: readonly number[], perm: readonly number[], out: Flat): void;
export function sliceInto(x: Flat, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Flat): void;
export function sumRowsInto(x: Float32Array, rows: number, cols: number, out: Float32Array, scale?: number): void;
