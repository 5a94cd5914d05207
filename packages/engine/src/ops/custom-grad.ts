import type * as tf from '@tensorflow/tfjs';

/** tf.customGrad's argument type (its own typing does not admit the trailing `save` parameter). */
export type CustomGradFunc = Parameters<typeof tf.customGrad>[0];
