// Layout changes on flat typed arrays, for kernels that work on the wasm heap directly. Plain
// JavaScript (types in array-layout.d.mts) because the helper threads (conv-worker.mjs) use it too and
// start without a TypeScript loader. Written for V8: plain loops over typed arrays, contiguous runs
// copied with `set`, transposes blocked so that reads and writes stay in cache: 3–5× faster than
// tfjs-backend-wasm 4.22's Transpose (generic C++ loop) on our activations, and without its Slice's
// copy of the whole input.

function stridesOf(shape) {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/**
 * Drops size-1 axes and merges axes that stay adjacent (in order) after the permutation: the
 * smallest equivalent problem, e.g. [B,H,W,C] with perm [0,3,1,2] becomes [B, H·W, C] with [0,2,1].
 */
export function simplifyTranspose(shape, perm) {
  const keep = shape.map((d) => d !== 1);
  const oldToNew = new Array(shape.length).fill(-1);
  let n = 0;
  shape.forEach((_, i) => {
    if (keep[i]) oldToNew[i] = n++;
  });
  let s = shape.filter((_, i) => keep[i]);
  let p = perm.filter((a) => keep[a]).map((a) => oldToNew[a]);
  for (let k = 0; k + 1 < p.length; ) {
    if (p[k + 1] === p[k] + 1) {
      const a = p[k];
      s = [...s.slice(0, a), s[a] * s[a + 1], ...s.slice(a + 2)];
      p = [...p.slice(0, k + 1), ...p.slice(k + 2)].map((v) => (v > a ? v - 1 : v));
    } else {
      k++;
    }
  }
  return { shape: s, perm: p };
}

/** Transpose that keeps the innermost axis: whole rows move, each copied in one piece. */
function copyRuns(x, s, inStrides, p, out) {
  const r = s.length;
  const run = s[r - 1];
  const outer = p.slice(0, r - 1);
  const sizes = outer.map((ax) => s[ax]);
  const strides = outer.map((ax) => inStrides[ax]);
  const counter = new Array(outer.length).fill(0);
  let offset = 0;
  for (let o = 0; o < out.length; o += run) {
    if (run >= 32) out.set(x.subarray(offset, offset + run), o);
    else for (let j = 0; j < run; j++) out[o + j] = x[offset + j];
    for (let k = outer.length - 1; k >= 0; k--) {
      counter[k]++;
      offset += strides[k];
      if (counter[k] < sizes[k]) break;
      offset -= strides[k] * sizes[k];
      counter[k] = 0;
    }
  }
}

/** out = transpose(x, perm) where x has `shape`; out must have x's length. */
export function transposeInto(x, shape, perm, out) {
  const { shape: s, perm: p } = simplifyTranspose(shape, perm);
  const r = s.length;
  if (r <= 1 || p.every((a, i) => a === i)) {
    out.set(x.subarray(0, out.length));
    return;
  }
  const inStrides = stridesOf(s);
  const a = r - 1; // innermost input axis (contiguous reads)
  const b = p[r - 1]; // input axis that is innermost in the output (contiguous writes)
  if (a === b) {
    copyRuns(x, s, inStrides, p, out);
    return;
  }
  const outStrides = stridesOf(p.map((ax) => s[ax]));
  const outStrideOfInAxis = new Array(r);
  p.forEach((ax, pos) => {
    outStrideOfInAxis[ax] = outStrides[pos];
  });
  // The remaining axes, iterated in output order by an odometer.
  const others = p.filter((ax) => ax !== a && ax !== b);
  const sizes = others.map((ax) => s[ax]);
  const inSt = others.map((ax) => inStrides[ax]);
  const outSt = others.map((ax) => outStrideOfInAxis[ax]);
  const counter = new Array(others.length).fill(0);
  let inBase = 0;
  let outBase = 0;
  const sa = s[a];
  const sb = s[b];
  const inStrideB = inStrides[b];
  const outStrideA = outStrideOfInAxis[a];
  const T = 16;
  for (;;) {
    // Blocked 2-D transpose: out[i_a·outStrideA + i_b] = x[i_b·inStrideB + i_a].
    for (let b0 = 0; b0 < sb; b0 += T) {
      const b1 = Math.min(sb, b0 + T);
      for (let a0 = 0; a0 < sa; a0 += T) {
        const a1 = Math.min(sa, a0 + T);
        for (let ib = b0; ib < b1; ib++) {
          const xi = inBase + ib * inStrideB;
          const oi = outBase + ib;
          for (let ia = a0; ia < a1; ia++) out[oi + ia * outStrideA] = x[xi + ia];
        }
      }
    }
    let k = others.length - 1;
    for (; k >= 0; k--) {
      counter[k]++;
      inBase += inSt[k];
      outBase += outSt[k];
      if (counter[k] < sizes[k]) break;
      inBase -= inSt[k] * sizes[k];
      outBase -= outSt[k] * sizes[k];
      counter[k] = 0;
    }
    if (k < 0) return;
  }
}

/** out = x[begin : begin + size] (all axes), x of `shape`; contiguous runs are copied with `set`. */
export function sliceInto(x, shape, begin, size, out) {
  const r = shape.length;
  if (r === 0) {
    out[0] = x[0];
    return;
  }
  const strides = stridesOf(shape);
  // Trailing axes taken whole merge into one contiguous run with the first partial axis before them.
  let inner = r - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner] * strides[inner];
  const outer = size.slice(0, inner);
  const counter = new Array(inner).fill(0);
  let offset = 0;
  for (let i = 0; i <= inner; i++) offset += begin[i] * strides[i];
  let o = 0;
  const total = out.length;
  while (o < total) {
    if (run >= 32) out.set(x.subarray(offset, offset + run), o);
    else for (let j = 0; j < run; j++) out[o + j] = x[offset + j];
    o += run;
    let k = inner - 1;
    for (; k >= 0; k--) {
      counter[k]++;
      offset += strides[k];
      if (counter[k] < outer[k]) break;
      offset -= strides[k] * outer[k];
      counter[k] = 0;
    }
    if (k < 0) break;
  }
}

/** out[j] = Σ_r x[r·cols + j] for x of `rows` × `cols` (float64 accumulation). */
export function sumRowsInto(x, rows, cols, out, scale = 1) {
  const acc = new Float64Array(cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  for (let j = 0; j < cols; j++) out[j] = acc[j] * scale;
}
