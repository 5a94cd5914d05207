import * as tf from '@tensorflow/tfjs';

type Method = (...args: unknown[]) => unknown;

interface Patch {
  target: Record<string, unknown>;
  key: string;
  had: boolean;
  original: unknown;
}

/**
 * Wrappers around methods of tfjs's and Dawn's objects for the span of a profile, undone in reverse order by
 * `restore()` (a method the object only inherited is deleted again rather than shadowed for good).
 */
export class MethodPatches {
  private readonly patches: Patch[] = [];

  /** Replaces `target[key]` by `wrapper(original, this, args)`. */
  around(target: object, key: string, wrapper: (original: Method, self: unknown, args: unknown[]) => unknown): void {
    const t = target as Record<string, unknown>;
    const original = t[key];
    if (typeof original !== 'function') throw new Error(`profiling: ${key} is not a method`);
    this.patches.push({ target: t, key, had: Object.prototype.hasOwnProperty.call(t, key), original });
    t[key] = function (this: unknown, ...args: unknown[]) {
      return wrapper(original as Method, this, args);
    };
  }

  /** Calls `fn(this, args)` before each call of `target[key]`. */
  before(target: object, key: string, fn: (self: unknown, args: unknown[]) => void): void {
    this.around(target, key, (original, self, args) => {
      fn(self, args);
      return original.apply(self, args);
    });
  }

  restore(): void {
    for (const p of this.patches.reverse()) {
      if (p.had) p.target[p.key] = p.original;
      else delete p.target[p.key];
    }
    this.patches.length = 0;
  }
}

/**
 * Follows the tfjs kernel being run (tfjs-core's engine runs every kernel, forward and gradient, through
 * `runKernelFunc`); returns a function giving the innermost one, undefined outside any kernel.
 */
export function trackKernels(patches: MethodPatches): () => string | undefined {
  const kernels: string[] = [];
  patches.around(tf.engine(), 'runKernelFunc', (original, self, [params]) => {
    kernels.push((params as { kernelName?: string }).kernelName ?? '?');
    try {
      return original.call(self, params);
    } finally {
      kernels.pop();
    }
  });
  return () => kernels.at(-1);
}

/** `binary_0_4` → `binary`, `conv2DMM_4_null}_…` → `conv2DMM`: the program, without its variant. */
export function programLabel(shaderKey: string | undefined): string {
  if (shaderKey === undefined || shaderKey === '') return '(unnamed)';
  return shaderKey.split('_')[0]!;
}

/** How profiles name a tfjs-webgpu dispatch: `Conv2D/conv2DMM` (kernel/program; `-` outside any kernel). */
export function tfjsDispatchLabel(kernel: string | undefined, program: { shaderKey?: string }): string {
  return `${kernel ?? '-'}/${programLabel(program.shaderKey)}`;
}
