/** Helpers for tests of flows (ours and other packages'): non-identity random weights. */
import * as tf from '@tensorflow/tfjs';
import type { FlowModel } from './model.js';
import type { Module } from './module.js';
import { Rng } from './random.js';
import { ActNorm } from './transforms/actnorm.js';

/**
 * Add N(0, std²) noise to every parameter and mark every ActNorm initialised, so that no transform is the
 * identity (fresh flows start near it: identity 1×1 convs, ~0 last block convs, uninitialised ActNorms).
 */
export function perturbParameters(target: FlowModel | Module, seed: number, std = 0.1): void {
  const rng = new Rng(seed);
  const module = 'flow' in target ? (target.flow as Module) : target;
  for (const [, v] of module.namedParameters()) {
    const noise = rng.fillNormal(new Float32Array(v.size), std);
    const next = tf.tidy(() => tf.add(v, tf.tensor(noise, v.shape)));
    v.assign(next);
    next.dispose();
  }
  const walk = (m: Module) => {
    if (m instanceof ActNorm) m.markInitialized();
    for (const [, c] of m.children()) walk(c);
  };
  walk(module);
}

/**
 * Multiply the last layer of every coupling net by `factor`. Reduced-width nets (2–8 channels, used to keep
 * tests cheap) produce larger coupling parameters than the reference widths do (the final layer's fan-in is
 * tiny), which makes random splines steep and float32 inversion ill-conditioned; scaling brings them back to
 * the reference's regime while keeping every transform non-identity.
 */
export function scaleCouplingOutputs(target: FlowModel | Module, factor: number): void {
  const module = 'flow' in target ? (target.flow as Module) : target;
  for (const [name, v] of module.namedParameters()) {
    if (!/net\.final\.(weight|bias)$/.test(name)) continue;
    const next = tf.tidy(() => tf.mul(v, factor));
    v.assign(next);
    next.dispose();
  }
}
