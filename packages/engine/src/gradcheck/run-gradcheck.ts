import * as tf from '@tensorflow/tfjs';
import { Rng } from '../autodiff/rng.js';
import { EngineError, firstLine } from '../errors.js';
import { caseInputValues, STANDARD_CASES, type GradCheckCase } from './cases.js';
import { relativeError } from './compare.js';

export interface GradCheckOptions {
  /** tfjs backend names to check (each must already be initialised, e.g. by `activateBackend`). */
  backends: string[];
  /** The backend whose results count as right. Default 'cpu'. */
  reference?: string;
  /** Default: STANDARD_CASES. */
  cases?: GradCheckCase[];
  /** Largest accepted normwise relative error (see `relativeError`). Default 1e-4. */
  tolerance?: number;
  /** Seed of the inputs and cotangents. */
  seed?: number;
}

export interface GradCheckResult {
  case: string;
  backend: string;
  /** Relative error of the op's output. */
  valueError: number;
  /** Relative error of the gradient w.r.t. each float input, in input order. */
  gradientErrors: number[];
  maxError: number;
  tolerance: number;
  passed: boolean;
  /** Set when the backend threw (a missing kernel, a missing gradient). */
  error?: string;
  note?: string;
}

export interface GradCheckReport {
  reference: string;
  results: GradCheckResult[];
  passed: boolean;
}

interface Evaluation {
  value: Float32Array;
  grads: Float32Array[];
}

async function evaluate(c: GradCheckCase, values: Array<Float32Array | Int32Array>, seed: number): Promise<Evaluation> {
  const xs = values.map((v, i) => tf.tensor(v, c.inputs[i]!.shape, c.inputs[i]!.dtype ?? 'float32'));
  const floatInputs = c.inputs.flatMap((input, i) => (input.dtype === 'int32' ? [] : [i]));
  const owned: tf.Tensor[] = [...xs];
  try {
    const y = c.fn(tf, ...xs);
    owned.push(y);
    // A fixed random cotangent: the gradient of Σ y·r depends on every element of y.
    const r = tf.tensor(new Rng(seed + 7919).fillUniform(new Float32Array(y.size), -1, 1), y.shape);
    owned.push(r);
    const grads = tf.grads((...fx: tf.Tensor[]) => {
      const all = xs.slice();
      floatInputs.forEach((k, j) => {
        all[k] = fx[j]!;
      });
      return tf.sum(tf.mul(c.fn(tf, ...all), r));
    })(floatInputs.map((k) => xs[k]!));
    owned.push(...grads);
    const value = (await y.data()) as Float32Array;
    const gradValues = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
    return { value: Float32Array.from(value), grads: gradValues.map((g) => Float32Array.from(g)) };
  } finally {
    tf.dispose(owned);
  }
}

/**
 * Checks values and gradients of each case on each backend against the reference backend. Async
 * because WebGPU in Node can only read results asynchronously. Restores the active backend.
 */
export async function runGradCheck(options: GradCheckOptions): Promise<GradCheckReport> {
  const reference = options.reference ?? 'cpu';
  const cases = options.cases ?? STANDARD_CASES;
  const tolerance = options.tolerance ?? 1e-4;
  const seed = options.seed ?? 1234;
  const previous = tf.getBackend();
  for (const name of [reference, ...options.backends]) {
    if (tf.findBackend(name) === null) {
      throw new EngineError('DGM_ENGINE_INVALID_ARGUMENT', `runGradCheck: backend '${name}' is not initialised; activate it first`, { backend: name });
    }
  }
  const results: GradCheckResult[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      const caseSeed = seed + 101 * i;
      const values = caseInputValues(c, caseSeed);
      await tf.setBackend(reference);
      const tol = c.tolerance ?? tolerance;
      let expected: Evaluation;
      try {
        expected = await evaluate(c, values, caseSeed);
      } catch (error) {
        // A case the reference cannot run is a broken case: report it against every backend.
        for (const backend of options.backends) {
          results.push({ case: c.name, backend, tolerance: tol, valueError: NaN, gradientErrors: [], maxError: NaN, passed: false, error: `reference ${reference} failed: ${firstLine(error)}` });
        }
        continue;
      }
      for (const backend of options.backends) {
        await tf.setBackend(backend);
        const base = { case: c.name, backend, tolerance: tol, ...(c.note ? { note: c.note } : {}) };
        try {
          const got = await evaluate(c, values, caseSeed);
          const valueError = relativeError(expected.value, got.value);
          const gradientErrors = expected.grads.map((g, k) => relativeError(g, got.grads[k] ?? new Float32Array()));
          const maxError = Math.max(valueError, ...gradientErrors);
          results.push({ ...base, valueError, gradientErrors, maxError, passed: maxError <= tol });
        } catch (error) {
          results.push({ ...base, valueError: NaN, gradientErrors: [], maxError: NaN, passed: false, error: firstLine(error) });
        }
      }
    }
  } finally {
    await tf.setBackend(previous);
  }
  return { reference, results, passed: results.every((r) => r.passed) };
}

/** One line per result: backend, case, errors, verdict. */
export function formatGradCheckReport(report: GradCheckReport): string {
  const rows = report.results.map((r) => {
    const errs = r.error ?? `value ${r.valueError.toExponential(1)}  grads ${r.gradientErrors.map((e) => e.toExponential(1)).join(' ')}`;
    return `${r.passed ? 'ok  ' : 'FAIL'} ${r.backend.padEnd(8)} ${r.case.padEnd(46)} ${errs}`;
  });
  return [`gradient check vs ${report.reference} (normwise relative error)`, ...rows].join('\n');
}

export function assertGradCheckPassed(report: GradCheckReport): void {
  const failed = report.results.filter((r) => !r.passed);
  if (failed.length === 0) return;
  throw new EngineError(
    'DGM_ENGINE_GRADCHECK_FAILED',
    `${failed.length} gradient check(s) failed vs ${report.reference}: ${failed
      .map((r) => `${r.backend}/${r.case}: ${r.error ?? `max relative error ${r.maxError.toExponential(2)} > ${r.tolerance}`}`)
      .join('; ')}`,
  );
}
