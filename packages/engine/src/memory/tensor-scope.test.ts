import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import { setUpBackends } from '../testing/backends.js';
import { memorySnapshot, scopeChecked, tidyChecked, trainStep, type TensorLeak } from './tensor-scope.js';

beforeAll(() => setUpBackends('wasm'));

describe('tidyChecked', () => {
  it('returns results and frees intermediates', () => {
    const x = tf.ones([4, 4]);
    const before = memorySnapshot();
    const y = tidyChecked('square', () => tf.sum(tf.square(tf.add(x, 1))));
    expect(memorySnapshot().numTensors).toBe(before.numTensors + 1);
    expect(y.dataSync()[0]).toBe(64);
    tf.dispose([x, y]);
  });

  it('reports a tensor kept with tf.keep as a leak', () => {
    const leaks: TensorLeak[] = [];
    let error: unknown;
    let kept: tf.Tensor | undefined;
    try {
      tidyChecked('leaky step', () => {
        kept = tf.keep(tf.zeros([2]));
        return tf.ones([1]);
      }, { report: (l) => leaks.push(l) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('DGM_ENGINE_TENSOR_LEAK');
    expect((error as Error).message).toMatch(/^leaky step: 1 tensor\(s\)/);
    expect(leaks[0]!.extraTensors).toBe(1);
    kept?.dispose();
  });

  it('sees backend buffers a kernel forgot to free (no tensor involved)', () => {
    const backend = tf.backend();
    let orphan: tf.TensorInfo | undefined;
    const error = (() => {
      try {
        tidyChecked('kernel', () => {
          orphan = (backend as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo }).makeOutput([8], 'float32');
          return tf.scalar(1);
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((error as EngineError).code).toBe('DGM_ENGINE_TENSOR_LEAK');
    expect((error as Error).message).toMatch(/0 tensor\(s\) and 1 orphan backend buffer/);
    backend.disposeData(orphan!.dataId);
  });
});

describe('scopeChecked and trainStep', () => {
  it('scopeChecked frees tensors created across awaits and keeps the returned ones', async () => {
    const before = memorySnapshot();
    const out = await scopeChecked('scoring batch', async () => {
      const a = tf.randomNormal([16, 8]);
      const s = tf.sum(tf.square(a), 1);
      await s.data();
      return { scores: tf.sqrt(s) };
    });
    expect(memorySnapshot().numTensors).toBe(before.numTensors + 1);
    out.scores.dispose();
    expect(memorySnapshot()).toEqual(before);
    await expect(
      scopeChecked('leaky batch', async () => {
        tf.keep(tf.zeros([3]));
        return 1;
      }),
    ).rejects.toThrow(/leaky batch: 1 tensor/);
  });

  it('trainStep leaves nothing behind after the optimizer created its slots', async () => {
    const w = tf.variable(tf.ones([3, 2]));
    const x = tf.randomNormal([5, 3]);
    const optimizer = tf.train.adam(0.01);
    const loss = () => tf.mean(tf.square(tf.matMul(x, w))) as tf.Scalar;
    await trainStep('first step', optimizer, loss, [w]); // creates Adam's two slot variables
    const before = memorySnapshot();
    for (let i = 0; i < 3; i++) await trainStep('step', optimizer, loss, [w]);
    expect(memorySnapshot()).toEqual(before);
    optimizer.dispose();
    tf.dispose([w, x]);
  });
});
