import * as tf from '@tensorflow/tfjs';
import { FusedAdamW, ownWebGpuKernelsActive } from '@dgm-ood/engine';
import { clipGradNorm } from './clip-grad-norm.js';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** torch.optim.AdamW defaults, with the reference's lr 1e-3 and weight decay 0.01. */
export const DEFAULT_ADAMW: AdamWConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export interface AdamWState {
  step: number;
  /** First and second moments per parameter name. */
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/**
 * AdamW with decoupled weight decay, step for step as torch.optim.AdamW (1.13, single-tensor path):
 *   p ← p·(1 − lr·wd);  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps).
 * tfjs's AdamOptimizer has no weight decay and no state export, hence this class. Parameters without a
 * gradient this step are updated as with a zero gradient (decay and moment decay still apply), which is what
 * torch does for a parameter that is in the graph with a zero gradient.
 *
 * On webgpu (the backend active when the optimizer is made) the update runs as the engine's fused kernel: two
 * dispatches for all parameters instead of ≈ 16 per parameter tensor, with the clipping folded in
 * (clipApplyAndReport) and a non-finite gradient norm leaving parameters and moments untouched on the device.
 */
export class AdamW {
  readonly config: AdamWConfig;
  private stepCount = 0;
  private readonly params: Array<[string, tf.Variable]>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** The fused device update (webgpu), or null: the elementwise tfjs ops. */
  private readonly fused: FusedAdamW | null;

  constructor(params: Array<[string, tf.Variable]>, config: Partial<AdamWConfig> = {}) {
    this.config = { ...DEFAULT_ADAMW, ...config };
    this.params = params;
    const names = new Set<string>();
    for (const [name] of params) {
      if (names.has(name)) throw new Error(`AdamW: duplicate parameter name ${name}`);
      names.add(name);
    }
    this.fused = ownWebGpuKernelsActive() ? new FusedAdamW(params.map(([, p]) => p)) : null;
    if (this.fused !== null) return;
    for (const [name, p] of params) {
      // tf.variable shares the initial tensor's storage; dispose the wrapper so only the variable remains.
      const zeros = () => {
        const z = tf.zerosLike(p);
        const v = tf.variable(z, false);
        z.dispose();
        return v;
      };
      this.m.set(name, zeros());
      this.v.set(name, zeros());
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * Whether the update guards itself on the device (fused): a non-finite gradient norm leaves the parameters as
   * they were, so the caller may read the norm later (after enqueuing more work) instead of before applying.
   */
  get guardsNonFinite(): boolean {
    return this.fused !== null;
  }

  /**
   * Global-norm clipping (torch's clip_grad_norm_, maxNorm null: none) and one update; returns [loss, norm before
   * clipping] as one [2] tensor for a single host read (the caller disposes it; `grads` and `loss` stay the
   * caller's). Fused on webgpu: nothing is read back, the loss is copied beside the norm (no extra dispatch), and a
   * non-finite norm skips the update. Elsewhere: clipGradNorm then apply, unguarded: check the norm before calling,
   * or use clipGradNorm and apply yourself.
   */
  clipApplyAndReport(grads: Map<string, tf.Tensor>, lr: number, maxNorm: number | null, loss: tf.Scalar): tf.Tensor1D {
    if (this.fused !== null) {
      this.stepCount += 1;
      return this.fused.stepReporting(this.fusedGrads(grads), this.fusedSettings(lr, maxNorm), loss);
    }
    // Clones (sharing storage): clipGradNorm consumes what it is given, the caller keeps `grads`.
    const clipped = clipGradNorm(new Map([...grads].map(([name, g]) => [name, g.clone()] as const)), maxNorm);
    this.apply(clipped.grads, lr);
    for (const g of clipped.grads.values()) g.dispose();
    const both = tf.stack([loss, clipped.totalNorm]) as tf.Tensor1D;
    clipped.totalNorm.dispose();
    return both;
  }

  private fusedGrads(grads: Map<string, tf.Tensor>): Array<tf.Tensor | undefined> {
    return this.params.map(([name]) => grads.get(name));
  }

  private fusedSettings(lr: number, maxNorm: number | null) {
    const { beta1, beta2, eps, weightDecay } = this.config;
    return { lr, beta1, beta2, eps, weightDecay, step: this.stepCount, maxGradNorm: maxNorm };
  }

  /** One update with the given gradients (by parameter name) at learning rate `lr`. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.stepCount += 1;
    if (this.fused !== null) {
      this.fused.step(this.fusedGrads(grads), this.fusedSettings(lr, null)).dispose();
      return;
    }
    const { beta1, beta2, eps, weightDecay } = this.config;
    const t = this.stepCount;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    for (const [name, p] of this.params) {
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const g = grads.get(name);
      tf.tidy(() => {
        const decayed = tf.mul(p, 1 - lr * weightDecay);
        const grad = g ?? tf.zerosLike(p);
        const mNext = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
        const vNext = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNext), bc2Sqrt), eps);
        m.assign(mNext);
        v.assign(vNext);
        p.assign(tf.sub(decayed, tf.mul(tf.div(mNext, denom), stepSize)));
      });
    }
  }

  async getState(): Promise<AdamWState> {
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    if (this.fused !== null) {
      const moments = await this.fused.readMoments();
      this.params.forEach(([name], i) => {
        m.set(name, moments.m[i]!);
        v.set(name, moments.v[i]!);
      });
      return { step: this.stepCount, m, v };
    }
    for (const [name] of this.params) {
      m.set(name, (await this.m.get(name)!.data()) as Float32Array);
      v.set(name, (await this.v.get(name)!.data()) as Float32Array);
    }
    return { step: this.stepCount, m, v };
  }

  setState(state: AdamWState): void {
    const ms: Float32Array[] = [];
    const vs: Float32Array[] = [];
    for (const [name, p] of this.params) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!m || !v) throw new Error(`AdamW state has no moments for parameter ${name}`);
      if (m.length !== p.size || v.length !== p.size) throw new Error(`AdamW state for ${name} has ${m.length} values, the parameter ${p.size}`);
      ms.push(m);
      vs.push(v);
    }
    if (this.fused !== null) this.fused.writeMoments(ms, vs);
    else for (const [name, p] of this.params) {
      const m = state.m.get(name)!;
      const v = state.v.get(name)!;
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(m, p.shape));
        this.v.get(name)!.assign(tf.tensor(v, p.shape));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    this.fused?.dispose();
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
  }
}
