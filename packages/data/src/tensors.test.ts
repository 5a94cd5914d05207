import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nchwToNhwc } from './layout.js';
import { imagesToTensor, labelsToTensor, tensorToImages, toNchw, toNhwc } from './tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const batch = { images: Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i * 10), shape: [2, 3, 2, 2] as [number, number, number, number] };

describe('tensors', () => {
  it('makes float32 NCHW tensors by default and NHWC on request', () => {
    const before = tf.memory().numTensors;
    const nchw = imagesToTensor(batch);
    expect(nchw.shape).toEqual([2, 3, 2, 2]);
    expect(nchw.dtype).toBe('float32');
    expect([...nchw.dataSync()]).toEqual([...batch.images]);
    const nhwc = imagesToTensor(batch, 'NHWC');
    expect(nhwc.shape).toEqual([2, 2, 2, 3]);
    expect([...nhwc.dataSync()]).toEqual([...nchwToNhwc(batch.images, batch.shape)]);
    // tensor-side transposes agree with the array conversion
    const t = toNhwc(nchw);
    expect([...t.dataSync()]).toEqual([...nhwc.dataSync()]);
    const back = toNchw(t);
    expect([...back.dataSync()]).toEqual([...nchw.dataSync()]);
    tf.dispose([nchw, nhwc, t, back]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads tensors back into NCHW batches from either layout', () => {
    const nhwc = imagesToTensor(batch, 'NHWC');
    const fromNhwc = tensorToImages(nhwc, 'NHWC');
    expect(fromNhwc.shape).toEqual(batch.shape);
    expect([...fromNhwc.images]).toEqual([...batch.images]);
    const nchw = imagesToTensor(fromNhwc);
    expect(tensorToImages(nchw).images).toEqual(fromNhwc.images);
    tf.dispose([nhwc, nchw]);
  });

  it('makes int32 label tensors', () => {
    const l = labelsToTensor(Int32Array.from([3, 1, 4]));
    expect(l.dtype).toBe('int32');
    expect([...l.dataSync()]).toEqual([3, 1, 4]);
    l.dispose();
  });
});
