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
import { affineCouplingForward, conv2dBias, matMulBias, relu, standardNormalLogProb, type tf as tfjs } from '@dgm-ood/engine';

type Tf = typeof tfjs;

export interface WorkloadInstance {
  step(): Promise<void>;
  /** The step without its read-back: returns what `step` reads (the loss for training workloads), left on the device. */
  enqueue?(): tfjs.Tensor;
  dispose(): void;
}

export interface Workload {
  /** bench:engine's three: matmul, conv_block, coupling_step (engine_torch.py's names); bench/gpu's sizes have their own. */
  name: string;
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

/** n×n · n×n fp32 (bench:engine: 1024; bench/gpu: 4096). */
export function matmulWorkload(n: number, name = 'matmul'): Workload {
  return {
    name,
    description: `${n}×${n}·${n}×${n} fp32`,
    flops: 2 * n ** 3,
    create(tf) {
      const a = fill(tf, [n, n], 1, 1);
      const b = fill(tf, [n, n], 2, 1);
      // Reading one element waits for the result without copying the product back.
      const enqueue = () => tf.tidy(() => tf.slice(tf.matMul(a, b), [0, 0], [1, 1]));
      return {
        async step() {
          const corner = enqueue();
          await corner.data();
          corner.dispose();
        },
        enqueue,
        dispose: () => tf.dispose([a, b]),
      };
    },
  };
}

export const matmul = matmulWorkload(1024);

const B = 64;
const S = 14;
const C = 64;
const convFlops = (batch: number) => 2 * batch * S * S * C * C * 9;

/**
 * Two 3×3 convs 64→64 with bias and ReLU, forward and backward, at `batch` (bench:engine: 64; bench/gpu: 128),
 * through the engine's conv2dBias (tfjs's fused conv on webgpu with our kernels on; conv2d + add elsewhere).
 */
export function convBlockWorkload(batch: number, name = 'conv_block'): Workload {
  return {
    name,
    description: `two 3×3 convs ${C}→${C} + ReLU at ${S}×${S}, batch ${batch}, forward + backward (dx, dW, db)`,
    flops: 6 * convFlops(batch),
    create(tf) {
      const x = fill(tf, [batch, S, S, C], 3, 1) as tfjs.Tensor4D;
      const w1 = fill(tf, [3, 3, C, C], 4, 0.05) as tfjs.Tensor4D;
      const b1 = tf.zeros([C]) as tfjs.Tensor1D;
      const w2 = fill(tf, [3, 3, C, C], 5, 0.05) as tfjs.Tensor4D;
      const b2 = tf.zeros([C]) as tfjs.Tensor1D;
      const g = fill(tf, [batch, S, S, C], 6, 1);
      const grads = tf.grads((...[xx, ww1, bb1, ww2, bb2]: tfjs.Tensor[]) =>
        tf.sum(tf.mul(conv2dBias(conv2dBias(xx as tfjs.Tensor4D, ww1 as tfjs.Tensor4D, bb1 as tfjs.Tensor1D, 'same', 'relu'), ww2 as tfjs.Tensor4D, bb2 as tfjs.Tensor1D, 'same'), g)),
      );
      // One value that depends on every gradient: reading it waits for the whole step.
      const enqueue = () => tf.tidy(() => tf.addN(grads([x, w1, b1, w2, b2]).map((t: tfjs.Tensor) => tf.sum(t))));
      return {
        async step() {
          const probe = enqueue();
          await probe.data();
          probe.dispose();
        },
        enqueue,
        dispose: () => tf.dispose([x, w1, b1, w2, b2, g]),
      };
    },
  };
}

export const convBlock = convBlockWorkload(B);

const CH = 4;
const HALF = CH / 2;

export const couplingStep: Workload = {
  name: 'coupling_step',
  description: `affine coupling on [${B},${S},${S},${CH}], ConvResidualNet(${HALF}→${C}, 2 blocks, →${2 * HALF}), Adam step`,
  flops: 12 * convFlops(B), // the four 3×3 convs, forward + dx + dW; the 1×1 convs add < 2%
  create: (tf) => createCouplingStep(tf, B),
};

/** The coupling network of the coupling step (variables, the NLL on its fixed batch) at batch size `B`. */
export function createCouplingNetwork(tf: Tf, B: number): { vars: tfjs.Variable[]; loss: () => tfjs.Scalar; dispose: () => void } {
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
  const loss = (): tfjs.Scalar => {
    // 1×1 convs as matMuls on [B·H·W, C] rows. The engine's ops, as packages/flows uses them: tfjs's fused
    // conv/matMul and our fused affine coupling on webgpu (own kernels on), the separate tfjs ops elsewhere.
    let h = tf.reshape(matMulBias(tf.reshape(xId, [-1, HALF]) as tfjs.Tensor2D, params.w0 as tfjs.Tensor2D, params.b0 as tfjs.Tensor1D), [B, S, S, C]) as tfjs.Tensor4D;
    for (const blk of params.blocks) {
      const t = conv2dBias(relu(h), blk.wa as tfjs.Tensor4D, blk.ba as tfjs.Tensor1D, 'same', 'relu');
      h = tf.add(h, conv2dBias(t, blk.wb as tfjs.Tensor4D, blk.bb as tfjs.Tensor1D, 'same'));
    }
    const out = tf.reshape(matMulBias(tf.reshape(h, [-1, C]) as tfjs.Tensor2D, params.w1 as tfjs.Tensor2D, params.b1 as tfjs.Tensor1D), [B, S, S, 2 * HALF]);
    const shift = tf.slice(out, [0, 0, 0, 0], [B, S, S, HALF]);
    const raw = tf.slice(out, [0, 0, 0, HALF], [B, S, S, HALF]);
    const { y, logabsdet: logdet } = affineCouplingForward(xTr, shift, raw);
    // −log p: the base density of the transformed and the identity channels, and the coupling's log|det|.
    return tf.neg(tf.mean(tf.add(tf.add(standardNormalLogProb(y), standardNormalLogProb(xId)), logdet)));
  };
  return { vars, loss, dispose: () => tf.dispose([...vars, x, xPairs, xTr, xId]) };
}

/** The coupling step at another batch size (tfjs's Adam, as the PyTorch reference in engine_torch.py). */
export function createCouplingStep(tf: Tf, B: number): WorkloadInstance {
  const net = createCouplingNetwork(tf, B);
  const optimizer = tf.train.adam(1e-3);
  return {
    enqueue: () => optimizer.minimize(net.loss, true, net.vars)!,
    async step() {
      const l = optimizer.minimize(net.loss, true, net.vars)!;
      await l.data();
      l.dispose();
    },
    dispose: () => {
      optimizer.dispose();
      net.dispose();
    },
  };
}

export const WORKLOADS: Workload[] = [matmul, convBlock, couplingStep];
