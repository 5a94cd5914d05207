import * as tf from '@tensorflow/tfjs';

/**
 * Exponential moving average of the weights, updated after every optimizer step: ema ← d·ema + (1−d)·p.
 * Off by default (the reference trains without it); when on, checkpoints carry both weight sets and record
 * that OOD methods load the average.
 */
export class WeightEma {
  private readonly shadow = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Array<[string, tf.Variable]>,
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`EMA decay must lie in (0, 1), got ${decay}`);
    for (const [name, p] of params) this.shadow.set(name, tf.variable(p.clone(), false));
  }

  update(): void {
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const s = this.shadow.get(name)!;
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(p, 1 - this.decay)));
      }
    });
  }

  async values(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, s] of this.shadow) out.set(name, (await s.data()) as Float32Array);
    return out;
  }

  setValues(values: Map<string, Float32Array>): void {
    for (const [name, p] of this.params) {
      const v = values.get(name);
      if (!v || v.length !== p.size) throw new Error(`EMA state for ${name} is missing or has the wrong size`);
      tf.tidy(() => this.shadow.get(name)!.assign(tf.tensor(v, p.shape)));
    }
  }

  /** Run `fn` with the averaged weights in the model, then put the trained weights back. */
  async withAveragedWeights<T>(fn: () => Promise<T>): Promise<T> {
    const saved = this.params.map(([, p]) => p.clone());
    try {
      for (const [name, p] of this.params) p.assign(this.shadow.get(name)!);
      return await fn();
    } finally {
      this.params.forEach(([, p], i) => p.assign(saved[i]!));
      tf.dispose(saved);
    }
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
  }
}
