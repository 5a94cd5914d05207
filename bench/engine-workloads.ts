/**
 * The three engine benchmark workloads, written once for every backend (bench/engine.bench.ts on the
 * CPU, bench/gpu/check.ts on a GPU machine) and mirrored exactly by bench/engine_torch.py:
 *   matmul         1024×1024 · 1024×1024 fp32
 *   conv_block     y = conv2(relu(conv1(x))), two 3×3 convs 64→64 with bias at 14×14, batch 64,
 *                  loss ⟨y, g⟩, gradients w.r.t. x and all four parameters
 *   coupling_step  one Adam step of a RealNVP affine coupling on x [64,14,14,4] (odd channels condition,
 *                  even channels are transformed) whose net is a ConvResidualNet: conv1×1(2→64),
 *                  2 × [h + conv3×3(relu(conv3×3(relu(h))))], conv1×1(64→4) — loss = mean NLL under N(0, I)
 * Each step ends by reading a scalar back (`await data()`), which waits for the device.
 */
import type { tf as tfjs } from '@dgm-ood/engine';

type Tf = typeof tfjs;

export interface WorkloadInstance {
  step(): Promise<void>;
  /** The step without its read-back, for training workloads: returns the loss, left on the device. */
  enqueue?(): tfjs.Tensor;
  dispose(): void;
}

export interface Workload {
  name: 'matmul' | 'conv_block' | 'coupling_step';
  description: string;
  /** Floating-point operations per step, when well defined (multiply-add = 2). */
  flops: number;
  create(tf: Tf): WorkloadInstance;
}

/** Deterministic pseudo-random values in [-scale, scale) (no RNG state shared with anything else). */
function fill(tf: Tf, shape: number[], seed: number, scale: number): tfjs.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return tf.tensor(v, shape);
}

const N = 1024;
export const matmul: Workload = {
  name: 'matmul',
  description: `${N}×${N}·${N}×${N} fp32`,
  flops: 2 * N ** 3,
  create(tf) {
    const a = fill(tf, [N, N], 1, 1);
    const b = fill(tf, [N, N], 2, 1);
    return {
      async step() {
        const c = tf.matMul(a, b);
        // Reading one element waits for the result without copying a megabyte back.
        const corner = tf.slice(c, [0, 0], [1, 1]);
        await corner.data();
        tf.dispose([c, corner]);
      },
      dispose: () => tf.dispose([a, b]),
    };
  },
};

const B = 64;
const S = 14;
const C = 64;
const CONV_FLOPS = 2 * B * S * S * C * C * 9;

function conv3x3(tf: Tf, x: tfjs.Tensor4D, w: tfjs.Tensor4D, b: tfjs.Tensor1D): tfjs.Tensor4D {
  return tf.add(tf.conv2d(x, w, 1, 'same'), b);
}

export const convBlock: Workload = {
  name: 'conv_block',
  description: `two 3×3 convs ${C}→${C} + ReLU at ${S}×${S}, batch ${B}, forward + backward (dx, dW, db)`,
  flops: 6 * CONV_FLOPS,
  create(tf) {
    const x = fill(tf, [B, S, S, C], 3, 1) as tfjs.Tensor4D;
    const w1 = fill(tf, [3, 3, C, C], 4, 0.05) as tfjs.Tensor4D;
    const b1 = tf.zeros([C]) as tfjs.Tensor1D;
    const w2 = fill(tf, [3, 3, C, C], 5, 0.05) as tfjs.Tensor4D;
    const b2 = tf.zeros([C]) as tfjs.Tensor1D;
    const g = fill(tf, [B, S, S, C], 6, 1);
    const grads = tf.grads((...[xx, ww1, bb1, ww2, bb2]: tfjs.Tensor[]) =>
      tf.sum(tf.mul(conv3x3(tf, tf.relu(conv3x3(tf, xx as tfjs.Tensor4D, ww1 as tfjs.Tensor4D, bb1 as tfjs.Tensor1D)), ww2 as tfjs.Tensor4D, bb2 as tfjs.Tensor1D), g)),
    );
    return {
      async step() {
        const gs = grads([x, w1, b1, w2, b2]);
        const probe = tf.tidy(() => tf.addN(gs.map((t: tfjs.Tensor) => tf.sum(t))));
        await probe.data();
        tf.dispose([...gs, probe]);
      },
      dispose: () => tf.dispose([x, w1, b1, w2, b2, g]),
    };
  },
};

const CH = 4;
const HALF = CH / 2;

export const couplingStep: Workload = {
  name: 'coupling_step',
  description: `affine coupling on [${B},${S},${S},${CH}], ConvResidualNet(${HALF}→${C}, 2 blocks, →${2 * HALF}), Adam step`,
  flops: 12 * CONV_FLOPS, // the four 3×3 convs, forward + dx + dW; the 1×1 convs add < 2%
  create: (tf) => createCouplingStep(tf, B),
};

/** The coupling step at another batch size (bench/gpu-dispatches: counts per step do not depend on it). */
export function createCouplingStep(tf: Tf, B: number): WorkloadInstance {
  const v = (t: tfjs.Tensor, name: string) => tf.variable(t, true, `coupling_bench/${name}/${Math.random()}`);
  const bound = (fanIn: number) => 1 / Math.sqrt(fanIn);
  const params = {
    w0: v(fill(tf, [HALF, C], 10, bound(HALF)), 'w0'),
    b0: v(fill(tf, [C], 11, bound(HALF)), 'b0'),
    blocks: [0, 1].map((i) => ({
      wa: v(fill(tf, [3, 3, C, C], 20 + i, bound(9 * C)), `wa${i}`),
      ba: v(fill(tf, [C], 30 + i, bound(9 * C)), `ba${i}`),
      wb: v(fill(tf, [3, 3, C, C], 40 + i, 1e-3), `wb${i}`),
      bb: v(fill(tf, [C], 50 + i, 1e-3), `bb${i}`),
    })),
    w1: v(fill(tf, [C, 2 * HALF], 60, bound(C)), 'w1'),
    b1: v(fill(tf, [2 * HALF], 61, bound(C)), 'b1'),
  };
  const vars = [params.w0, params.b0, ...params.blocks.flatMap((b) => [b.wa, b.ba, b.wb, b.bb]), params.w1, params.b1];
  const x = fill(tf, [B, S, S, CH], 7, 1.5) as tfjs.Tensor4D;
  // Channel c of x: even → transformed, odd → condition (reference mask, flip=False).
  const xPairs = tf.reshape(x, [B, S, S, HALF, 2]);
  const xTr = tf.reshape(tf.slice(xPairs, [0, 0, 0, 0, 0], [B, S, S, HALF, 1]), [B, S, S, HALF]);
  const xId = tf.reshape(tf.slice(xPairs, [0, 0, 0, 0, 1], [B, S, S, HALF, 1]), [B, S, S, HALF]);
  const d = S * S * CH;
  const logNorm = 0.5 * d * Math.log(2 * Math.PI);
  const optimizer = tf.train.adam(1e-3);
  const loss = (): tfjs.Scalar => {
    // 1×1 convs as matMuls on [B·H·W, C] rows.
    let h = tf.reshape(tf.add(tf.matMul(tf.reshape(xId, [-1, HALF]), params.w0), params.b0), [B, S, S, C]) as tfjs.Tensor4D;
    for (const blk of params.blocks) {
      const t = conv3x3(tf, tf.relu(h), blk.wa as tfjs.Tensor4D, blk.ba as tfjs.Tensor1D);
      h = tf.add(h, conv3x3(tf, tf.relu(t), blk.wb as tfjs.Tensor4D, blk.bb as tfjs.Tensor1D));
    }
    const out = tf.reshape(tf.add(tf.matMul(tf.reshape(h, [-1, C]), params.w1), params.b1), [B, S, S, 2 * HALF]);
    const shift = tf.slice(out, [0, 0, 0, 0], [B, S, S, HALF]);
    const scale = tf.add(tf.sigmoid(tf.add(tf.slice(out, [0, 0, 0, HALF], [B, S, S, HALF]), 2)), 1e-3);
    const y = tf.add(tf.mul(xTr, scale), shift);
    const logdet = tf.sum(tf.log(scale), [1, 2, 3]);
    const sq = tf.add(tf.sum(tf.square(y), [1, 2, 3]), tf.sum(tf.square(xId), [1, 2, 3]));
    const nll = tf.sub(tf.add(tf.mul(sq, 0.5), logNorm), logdet);
    return tf.mean(nll);
  };
  return {
    enqueue: () => optimizer.minimize(loss, true, vars)!,
    async step() {
      const l = optimizer.minimize(loss, true, vars)!;
      await l.data();
      l.dispose();
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...vars, x, xPairs, xTr, xId]);
    },
  };
}

export const WORKLOADS: Workload[] = [matmul, convBlock, couplingStep];
