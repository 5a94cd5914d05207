import * as tf from '@tensorflow/tfjs';
import { Module, type StateValue } from '../module.js';
import { assertRank4 } from '../layout.js';
import { invertLowerTriangular, invertUpperTriangular, matMul64 } from '../linalg64.js';
import { Rng } from '../random.js';
import { assertSinglePoint, linearizeInScope, makeLinearization } from '../linearization.js';
import type { ChwShape, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';

const DIAG_EPS = 1e-3;
/** softplus⁻¹(1 − 1e-3): makes the initial U diagonal exactly 1 (nflows identity init). */
export const IDENTITY_DIAG_RAW = Math.log(Math.expm1(1 - DIAG_EPS));

/**
 * LU-parametrised invertible 1×1 convolution with a fixed random channel permutation (nflows
 * OneByOneConvolution): y = L·U·(P x) + b at every pixel, L unit lower-triangular, U upper-triangular with
 * diagonal softplus(u) + 1e-3, log|det| = H·W·Σ ln(softplus(u_i) + 1e-3).
 *
 * Parameters are stored as full C×C matrices `lower`/`upper` whose used parts are selected with constant masks
 * (tfjs has no scatter with gradients); the unused entries start at zero, receive zero gradient and so stay
 * zero under AdamW. The permutation is folded into the weight matrix (W·P), so the forward is one matMul per
 * batch and needs no gather (whose gradient wasm lacks). The inverse multiplies by (L U P)⁻¹, computed in
 * float64 from two triangular inverses and cached until the weights change; it is differentiable with respect
 * to its input, and treats the 1×1-conv weights as constants.
 */
export class OneByOneConvolution extends Module implements Transform {
  readonly kind = 'conv1x1';
  readonly lower: tf.Variable;
  readonly upper: tf.Variable;
  readonly unconstrainedUpperDiag: tf.Variable;
  readonly bias: tf.Variable;
  private permutation: Int32Array;
  private readonly lowerMask: tf.Tensor2D;
  private readonly upperMask: tf.Tensor2D;
  private readonly eye: tf.Tensor2D;
  private permutationMatrix: tf.Tensor2D;
  private inverseCache: { key: readonly unknown[]; matrix: tf.Tensor2D } | null = null;

  constructor(readonly channels: number, opts: { seed?: number; permutation?: ArrayLike<number> } = {}) {
    super();
    const c = channels;
    if (!Number.isInteger(c) || c < 1) throw new RangeError(`OneByOneConvolution: channels must be a positive integer, got ${c}`);
    this.lower = this.addParameter('lower', tf.zeros([c, c]));
    this.upper = this.addParameter('upper', tf.zeros([c, c]));
    this.unconstrainedUpperDiag = this.addParameter('unconstrained_upper_diag', tf.fill([c], IDENTITY_DIAG_RAW));
    this.bias = this.addParameter('bias', tf.zeros([c]));
    this.lowerMask = tf.keep(tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), tf.eye(c)))) as tf.Tensor2D;
    this.upperMask = tf.keep(tf.tidy(() => tf.sub(tf.linalg.bandPart(tf.ones([c, c]), 0, -1), tf.eye(c)))) as tf.Tensor2D;
    this.eye = tf.keep(tf.eye(c));
    this.permutation = opts.permutation
      ? checkedPermutation(opts.permutation, c, 'OneByOneConvolution')
      : new Rng(opts.seed ?? 0).permutation(c);
    this.permutationMatrix = permutationMatrix(this.permutation);
  }

  getPermutation(): Int32Array {
    return Int32Array.from(this.permutation);
  }

  outputShape(input: ChwShape): ChwShape {
    if (input[0] !== this.channels) throw new Error(`OneByOneConvolution(${this.channels}): input has ${input[0]} channels`);
    return input;
  }

  /** Diagonal of U: softplus(u) + 1e-3. */
  upperDiag(): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.softplus(this.unconstrainedUpperDiag), DIAG_EPS)) as tf.Tensor1D;
  }

  /** The effective matrix M = L·U·P with y = M x + b (differentiable in the parameters). */
  weightMatrix(): tf.Tensor2D {
    return tf.tidy(() => {
      const l = tf.add(tf.mul(this.lower, this.lowerMask), this.eye);
      const u = tf.add(tf.mul(this.upper, this.upperMask), tf.mul(this.eye, tf.reshape(this.upperDiag(), [1, this.channels])));
      return tf.matMul(tf.matMul(l, u), this.permutationMatrix);
    });
  }

  forward(x: tf.Tensor): ForwardResult {
    assertRank4(x, 'OneByOneConvolution.forward');
    const [b, h, w, c] = x.shape as [number, number, number, number];
    this.outputShape([c, h, w]);
    return tf.tidy(() => {
      const m = this.weightMatrix();
      const rows = tf.reshape(x, [b * h * w, c]);
      const y = tf.reshape(tf.add(tf.matMul(rows, m, false, true), this.bias), [b, h, w, c]);
      const ld = tf.mul(tf.sum(tf.log(this.upperDiag())), h * w);
      return { y, logabsdet: tf.mul(tf.ones([b]), ld) as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor): InverseResult {
    assertRank4(y, 'OneByOneConvolution.inverse');
    const [b, h, w, c] = y.shape as [number, number, number, number];
    this.outputShape([c, h, w]);
    const mInv = this.inverseMatrix();
    return tf.tidy(() => {
      const rows = tf.reshape(tf.sub(y, this.bias), [b * h * w, c]);
      const x = tf.reshape(tf.matMul(rows, mInv, false, true), [b, h, w, c]);
      const ld = tf.mul(tf.sum(tf.log(this.upperDiag())), -h * w);
      return { x, logabsdet: tf.mul(tf.ones([b]), ld) as tf.Tensor1D };
    });
  }

  /** x = M⁻¹(y − b) at every pixel: tangents map by M⁻¹, cotangents by M⁻ᵀ (rows times M⁻¹). */
  linearizeInverse(y: tf.Tensor): Linearization {
    assertSinglePoint(y, 'OneByOneConvolution.linearizeInverse');
    const c = this.channels;
    return linearizeInScope(() => {
      // A copy of the cached matrix: the cache may be replaced while the linearization lives.
      const mInv = tf.clone(this.inverseMatrix());
      const perPixel = (t: tf.Tensor, transposeB: boolean) => {
        const [r, h, w] = t.shape as [number, number, number, number];
        return tf.reshape(tf.matMul(tf.reshape(t, [r * h * w, c]), mInv, false, transposeB), [r, h, w, c]);
      };
      return makeLinearization({
        value: this.inverse(y).x,
        saved: [mInv],
        inputShape: y.shape.slice(1),
        jvp: (t) => perPixel(t, true),
        vjp: (g) => perPixel(g, false),
      });
    });
  }

  /**
   * Compute and cache the inverse with asynchronous reads (backends such as webgpu cannot read synchronously).
   * inverse() then uses the cache; call again after the weights change.
   */
  async prepareInverse(): Promise<void> {
    const key = this.parameterVersion();
    if (this.inverseCache && sameKey(this.inverseCache.key, key)) return;
    const [lower, upper, diagRaw] = await Promise.all([this.lower.data(), this.upper.data(), this.unconstrainedUpperDiag.data()]);
    this.setInverseCache(key, lower as Float32Array, upper as Float32Array, diagRaw as Float32Array);
  }

  /** (L·U·P)⁻¹ = Pᵀ·U⁻¹·L⁻¹ in float64, cached per parameter version (a Variable's dataId changes on assign). */
  private inverseMatrix(): tf.Tensor2D {
    const key = this.parameterVersion();
    if (this.inverseCache && sameKey(this.inverseCache.key, key)) return this.inverseCache.matrix;
    this.setInverseCache(key, this.lower.dataSync() as Float32Array, this.upper.dataSync() as Float32Array, this.unconstrainedUpperDiag.dataSync() as Float32Array);
    return this.inverseCache!.matrix;
  }

  private parameterVersion(): readonly unknown[] {
    return [this.lower, this.upper, this.unconstrainedUpperDiag].map((v) => (v as unknown as { dataId: unknown }).dataId);
  }

  private setInverseCache(key: readonly unknown[], lower: Float32Array, upper: Float32Array, diagRaw: Float32Array): void {
    const n = this.channels;
    const l = new Float64Array(n * n);
    const u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      l[i * n + i] = 1;
      for (let j = 0; j < i; j++) l[i * n + j] = lower[i * n + j]!;
      u[i * n + i] = softplus64(diagRaw[i]!) + DIAG_EPS;
      for (let j = i + 1; j < n; j++) u[i * n + j] = upper[i * n + j]!;
    }
    const uInvLInv = matMul64(invertUpperTriangular(u, n, false), invertLowerTriangular(l, n, true), n);
    // Rows of Pᵀ·A: row perm[i] of the result is row i of A.
    const inv = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const dst = this.permutation[i]! * n;
      for (let j = 0; j < n; j++) inv[dst + j] = uInvLInv[i * n + j]!;
    }
    this.inverseCache?.matrix.dispose();
    // keep(): inverse() usually runs inside an outer tidy, which must not dispose the cache.
    this.inverseCache = { key, matrix: tf.keep(tf.tensor2d(inv, [n, n])) };
  }

  protected override ownState(): Record<string, StateValue> {
    return { permutation: Array.from(this.permutation) };
  }

  protected override loadOwnState(state: Record<string, StateValue>, path: string): void {
    const p = state['permutation'];
    if (!Array.isArray(p)) throw new Error(`state ${path}permutation must be an array`);
    this.permutation = checkedPermutation(p, this.channels, `state ${path}permutation`);
    this.permutationMatrix.dispose();
    this.permutationMatrix = permutationMatrix(this.permutation);
    this.inverseCache?.matrix.dispose();
    this.inverseCache = null;
  }

  override dispose(): void {
    super.dispose();
    this.lowerMask.dispose();
    this.upperMask.dispose();
    this.eye.dispose();
    this.permutationMatrix.dispose();
    this.inverseCache?.matrix.dispose();
    this.inverseCache = null;
  }
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function softplus64(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

/** P with P[i, perm[i]] = 1, so (P x)_i = x_{perm[i]} (torch.index_select semantics). */
function permutationMatrix(perm: Int32Array): tf.Tensor2D {
  const n = perm.length;
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + perm[i]!] = 1;
  return tf.keep(tf.tensor2d(data, [n, n]));
}

function checkedPermutation(p: ArrayLike<number>, n: number, where: string): Int32Array {
  if (p.length !== n) throw new Error(`${where}: permutation has ${p.length} entries, expected ${n}`);
  const seen = new Uint8Array(n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) throw new Error(`${where}: not a permutation of 0..${n - 1}`);
    seen[v] = 1;
    out[i] = v;
  }
  return out;
}
