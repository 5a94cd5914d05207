import { tileCols, tileRows, type GemmTiling } from './gemm-tiling.js';

/**
 * What a GEMM out[batch, m, n] = Σ_k A[batch, m, k]·B[batch, k, n] reads and writes: WGSL that declares the
 * bindings and a uniform `u` with u32 fields `m`, `n`, `k`, and defines
 *   struct RowA, fn rowA(batch: u32, m: u32) -> RowA    (what A's row m needs, index arithmetic done once)
 *   fn loadA(r: RowA, k: u32) -> f32                     (0 where m ≥ u.m or k ≥ u.k: tiles overhang the edges)
 *   struct ColB, fn colB(batch: u32, n: u32) -> ColB, fn loadB(c: ColB, k: u32) -> f32   (likewise for B's column n)
 *   fn store(batch: u32, m: u32, n: u32, v: f32)         (called only inside the output; the epilogue: bias, activation)
 * and which index of each operand is contiguous in memory, so that neighbouring invocations load neighbours.
 * Each invocation stages the same rows of A and columns of B at every k step, so rowA and colB run once, before the
 * k loop (an implicit-GEMM conv's row is (batch, y, x): three divisions saved per staged value).
 */
export interface GemmOperands {
  wgsl: string;
  aContiguous: 'm' | 'k';
  bContiguous: 'k' | 'n';
}

/**
 * The register-blocked GEMM: workgroup (x, y, z) computes rows [y·BM, (y+1)·BM) × columns [x·BN, (x+1)·BN) of
 * batch z. Per tk-deep step the workgroup stages A's BM × tk and B's tk × BN slices in workgroup memory (each value
 * read from global memory once per tile, serving BN or BM products), then each invocation accumulates its tm × tn
 * block from tm + tn staged values per k (vec4 reads, so tn/4 + tm/4 loads for tm·tn multiply-adds). The
 * accumulators are named registers (the block is unrolled here, not left to the shader compiler).
 * With `splitK`, dispatch z is not a batch but a slice of k, [z·u.kPerSlice, (z+1)·u.kPerSlice) (the operands' uniform
 * declares `kPerSlice`, a multiple of tk, so slices never share a staged step): loaders get batch 0, and `store` gets z,
 * so that each slice writes its own partial product, summed by another pass.
 */
export function gemmWgsl(t: GemmTiling, ops: GemmOperands, options: { splitK?: boolean } = {}): string {
  const bm = tileRows(t);
  const bn = tileCols(t);
  const threads = t.wgX * t.wgY;
  if (t.tm % 4 !== 0 || t.tn % 4 !== 0 || (bm * t.tk) % threads !== 0 || (bn * t.tk) % threads !== 0) {
    throw new Error(`gemm tiling ${t.name}: tm and tn must be multiples of 4 and each staged slice a multiple of the workgroup`);
  }
  const n4 = t.tn / 4;
  const acc = (i: number, j: number) => `acc${i}_${j}`;
  const lines: string[] = [];
  for (let i = 0; i < t.tm; i++) for (let j = 0; j < n4; j++) lines.push(`  var ${acc(i, j)} = vec4<f32>(0.0);`);
  const declareAcc = lines.join('\n');
  const inner: string[] = [];
  for (let j = 0; j < n4; j++) inner.push(`      let b${j} = Bs[bBase + ${j}u];`);
  for (let i4 = 0; i4 < t.tm / 4; i4++) {
    inner.push(`      let a${i4} = As[aBase + ${i4}u];`);
    for (let c = 0; c < 4; c++) {
      const i = i4 * 4 + c;
      for (let j = 0; j < n4; j++) inner.push(`      ${acc(i, j)} = fma(vec4<f32>(a${i4}[${c}]), b${j}, ${acc(i, j)});`);
    }
  }
  const epilogue: string[] = [];
  for (let i = 0; i < t.tm; i++) {
    epilogue.push(`  if (row0 + ${i}u < u.m) {`);
    for (let j = 0; j < n4; j++) {
      for (let c = 0; c < 4; c++) {
        epilogue.push(`    if (col0 + ${j * 4 + c}u < u.n) { store(${options.splitK ? 'wg.z' : 'batch'}, row0 + ${i}u, col0 + ${j * 4 + c}u, ${acc(i, j)}[${c}]); }`);
      }
    }
    epilogue.push('  }');
  }
  // Which staged elements invocation lid loads (the j-th at l = lid + j·threads): neighbours along the operand's
  // contiguous index. Fixed for the whole k loop, so their rows and columns are prepared before it.
  const aLoads = (bm * t.tk) / threads;
  const bLoads = (bn * t.tk) / threads;
  const prepare: string[] = [];
  const loads: Array<{ load: (k: string) => string; store: (v: string) => string }> = [];
  for (let j = 0; j < aLoads; j++) {
    const l = `(lid + ${j * threads}u)`;
    const [mm, kk] = ops.aContiguous === 'k' ? [`${l} / ${t.tk}u`, `${l} % ${t.tk}u`] : [`${l} % ${bm}u`, `${l} / ${bm}u`];
    // Only the row is kept in registers across the loop; the staging offsets are shifts of constants, recomputed.
    prepare.push(`  let rA${j} = rowA(batch, m0 + ${mm});`);
    loads.push({ load: (k) => `loadA(rA${j}, ${k} + ${kk})`, store: (v) => `{ let p = (${kk}) * ${bm}u + ${mm}; As[p / 4u][p % 4u] = ${v}; }` });
  }
  for (let j = 0; j < bLoads; j++) {
    const l = `(lid + ${j * threads}u)`;
    const [nn, kk] = ops.bContiguous === 'k' ? [`${l} / ${t.tk}u`, `${l} % ${t.tk}u`] : [`${l} % ${bn}u`, `${l} / ${bn}u`];
    prepare.push(`  let cB${j} = colB(batch, n0 + ${nn});`);
    loads.push({ load: (k) => `loadB(cB${j}, ${k} + ${kk})`, store: (v) => `{ let p = (${kk}) * ${bn}u + ${nn}; Bs[p / 4u][p % 4u] = ${v}; }` });
  }
  // Plain: each step loads its slices, stages them, then multiplies. Prefetch: the step's values were loaded into
  // registers during the previous step's products (the first before the loop), so global memory latency overlaps
  // arithmetic, at one register per staged value. Loads past k (the loaders give 0) or past a split-K slice (never
  // staged: the loop ends first) are harmless.
  const stage: string[] = [];
  const next: string[] = [];
  if (t.prefetch === true) {
    loads.forEach((x, i) => {
      prepare.push(`  var g${i} = ${x.load('kBegin')};`);
      stage.push(`    ${x.store(`g${i}`)}`);
      next.push(`      g${i} = ${x.load(`(k0 + ${t.tk}u)`)};`);
    });
  } else loads.forEach((x) => stage.push(`    ${x.store(x.load('k0'))}`));
  return `
${ops.wgsl}
// Staged slices, k-major: As[k][m], Bs[k][n], as vec4s along m and n.
var<workgroup> As: array<vec4<f32>, ${(bm * t.tk) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(bn * t.tk) / 4}>;

@compute @workgroup_size(${t.wgX}, ${t.wgY})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let batch = ${options.splitK ? '0u' : 'wg.z'};
  let kBegin = ${options.splitK ? 'wg.z * u.kPerSlice' : '0u'};
  let kEnd = ${options.splitK ? 'min(u.k, kBegin + u.kPerSlice)' : 'u.k'};
  let m0 = wg.y * ${bm}u;
  let n0 = wg.x * ${bn}u;
  let row0 = m0 + lid3.y * ${t.tm}u;
  let col0 = n0 + lid3.x * ${t.tn}u;
${declareAcc}
${prepare.join('\n')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${t.tk}u) {
${stage.join('\n')}
    workgroupBarrier();
${next.length > 0 ? `    {\n${next.join('\n')}\n    }` : ''}
    for (var kk = 0u; kk < ${t.tk}u; kk += 1u) {
      let aBase = (kk * ${bm}u + lid3.y * ${t.tm}u) / 4u;
      let bBase = (kk * ${bn}u + lid3.x * ${t.tn}u) / 4u;
${inner.join('\n')}
    }
    workgroupBarrier();
  }
${epilogue.join('\n')}
}`;
}

/** ColB and colB for operands whose B column needs nothing but its index (the uniform's `n` bounds it). */
export const COLUMN_BY_INDEX_WGSL = `struct ColB { n: u32, ok: bool }
fn colB(batch: u32, n: u32) -> ColB { return ColB(n, n < u.n); }`;

/**
 * WGSL for an epilogue's activation `act(v)`: the activations our models fuse into matMul and conv2d. ReLU is written
 * as tfjs writes it, select(v, 0, v < 0), which keeps NaN where the shader compiler honours it (max(NaN, 0) may be 0,
 * hiding a diverged step from the trainer's non-finite check). Mesa's llvmpipe folds NaN to 0 in both forms, tfjs's
 * own ReLU included, so the software adapter cannot check this.
 */
export function activationWgsl(activation: 'linear' | 'relu'): string {
  return activation === 'relu' ? 'fn act(v: f32) -> f32 { return select(v, 0.0, v < 0.0); }' : 'fn act(v: f32) -> f32 { return v; }';
}
