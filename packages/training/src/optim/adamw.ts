import * as tf from '@tensorflow/tfjs';

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
 */
export class AdamW {
  readonly config: AdamWConfig;
  private stepCount = 0;
  private readonly params: Array<[string, tf.Variable]>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(params: Array<[string, tf.Variable]>, config: Partial<AdamWConfig> = {}) {
    this.config = { ...DEFAULT_ADAMW, ...config };
    this.params = params;
    for (const [name, p] of params) {
      if (this.m.has(name)) throw new Error(`AdamW: duplicate parameter name ${name}`);
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

  /** One update with the given gradients (by parameter name) at learning rate `lr`. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.stepCount += 1;
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
    for (const [name] of this.params) {
      m.set(name, (await this.m.get(name)!.data()) as Float32Array);
      v.set(name, (await this.v.get(name)!.data()) as Float32Array);
    }
    return { step: this.stepCount, m, v };
  }

  setState(state: AdamWState): void {
    for (const [name, p] of this.params) {
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!m || !v) throw new Error(`AdamW state has no moments for parameter ${name}`);
      if (m.length !== p.size || v.length !== p.size) throw new Error(`AdamW state for ${name} has ${m.length} values, the parameter ${p.size}`);
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(m, p.shape));
        this.v.get(name)!.assign(tf.tensor(v, p.shape));
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
  }
}
