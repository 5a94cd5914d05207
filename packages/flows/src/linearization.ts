import * as tf from '@tensorflow/tfjs';
import type { Linearization } from './types.js';

export interface LinearizationParts {
  /** The value at the point; owned (disposed with the linearization) unless `ownsValue` is false. */
  value: tf.Tensor;
  ownsValue?: boolean;
  /** Derivatives and constants the two products need; owned. */
  saved?: tf.Tensor[];
  /** Linearizations (or other owners of tensors) this one is built from; disposed with it. */
  children?: Array<{ dispose(): void }>;
  /** Shape of one input sample (the input without its batch axis), to check tangents. */
  inputShape: readonly number[];
  jvp(t: tf.Tensor): tf.Tensor;
  vjp(g: tf.Tensor): tf.Tensor;
}

/**
 * Wraps the pieces of a linearization: keeps its tensors alive past the tidy scope it was built in, checks
 * the shapes of the vectors it is given (a silent broadcast would give a wrong Jacobian), runs each product in
 * its own tidy and frees everything once on dispose().
 */
export function makeLinearization(parts: LinearizationParts): Linearization {
  const owned = [...(parts.ownsValue === false ? [] : [parts.value]), ...(parts.saved ?? [])];
  for (const t of owned) tf.keep(t);
  const outputShape = parts.value.shape.slice(1);
  let disposed = false;
  const live = (where: string) => {
    if (disposed) throw new Error(`${where}: the linearization was disposed`);
  };
  return {
    value: parts.value,
    jvp(t: tf.Tensor) {
      live('jvp');
      checkRows(t, parts.inputShape, 'jvp tangents');
      return tf.tidy(() => parts.jvp(t));
    },
    vjp(g: tf.Tensor) {
      live('vjp');
      checkRows(g, outputShape, 'vjp cotangents');
      return tf.tidy(() => parts.vjp(g));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(owned);
      for (const c of parts.children ?? []) c.dispose();
    },
  };
}

/**
 * Builds a linearization inside a tidy scope: tensors that `build` does not hand to makeLinearization (and so
 * keep) are freed when it returns.
 */
export function linearizeInScope(build: () => Linearization): Linearization {
  let result: Linearization | undefined;
  tf.tidy(() => {
    result = build();
  });
  return result!;
}

/**
 * The linearization of an elementwise map x ↦ f(x) (each output element depends on its own input element only)
 * at one point: the Jacobian is diagonal, so jvp and vjp both multiply by ∂f/∂x, which one reverse pass at batch
 * 1 yields exactly (the gradient of Σ f).
 */
export function elementwiseLinearization(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Linearization {
  return linearizeInScope(() => {
    const value = f(x);
    const derivative = tf.grad((v: tf.Tensor) => tf.sum(f(v)))(x);
    return makeLinearization({
      value,
      saved: [derivative],
      inputShape: x.shape.slice(1),
      jvp: (t) => tf.mul(t, derivative),
      vjp: (g) => tf.mul(g, derivative),
    });
  });
}

/** Linear maps only (no value-dependent derivative): e.g. permutations, where jvp = the map and vjp = its transpose. */
export function linearMapLinearization(value: tf.Tensor, inputShape: readonly number[], jvp: (t: tf.Tensor) => tf.Tensor, vjp: (g: tf.Tensor) => tf.Tensor, saved: tf.Tensor[] = []): Linearization {
  return makeLinearization({ value, saved, inputShape, jvp, vjp });
}

/** Composition: apply `stages` in order (value of each is the input of the next). */
export function composeLinearizations(stages: Linearization[], inputShape: readonly number[]): Linearization {
  if (stages.length === 0) throw new Error('composeLinearizations: needs at least one stage');
  return makeLinearization({
    value: stages[stages.length - 1]!.value,
    ownsValue: false,
    children: stages,
    inputShape,
    jvp: (t) => stages.reduce((v, s) => s.jvp(v), t),
    vjp: (g) => stages.reduceRight((v, s) => s.vjp(v), g),
  });
}

/** The point of a linearization must be a single sample. */
export function assertSinglePoint(x: tf.Tensor, where: string): void {
  if (x.shape[0] !== 1) throw new Error(`${where}: linearizes at one point (batch 1), got batch ${x.shape[0]}`);
}

function checkRows(t: tf.Tensor, sample: readonly number[], what: string): void {
  const rest = t.shape.slice(1);
  if (t.rank < 1 || rest.length !== sample.length || rest.some((d, i) => d !== sample[i])) {
    throw new Error(`${what}: expected [R, ${sample.join(', ')}], got [${t.shape.join(', ')}]`);
  }
}
