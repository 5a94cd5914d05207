// Datasets: registry and loading
export { DATASETS, gather, getDataset, isDatasetName, listDatasets, loadDataset } from './registry.js';
export type { DatasetInfo, LoadedDataset } from './registry.js';
export { DATASET_NAMES } from './dataset-definition.js';
export { CHEST_ALIGN_CROP, isMedmnistSubclass, MEDMNIST_SUBCLASSES } from './datasets-medmnist.js';
export type { MedmnistSubclass } from './datasets-medmnist.js';
export type { DatasetName, EmbeddedMode, LoadDatasetOptions } from './dataset-definition.js';
export { ROLES, silentLogger } from './types.js';
export type { DataLogger, ImageArray, Role, Shape4 } from './types.js';
export { DataError, FormatError } from './errors.js';
export type { DataErrorCode, DataErrorDetails } from './errors.js';

// Splits and randomness
export { DEFAULT_VALID_FRACTION, HOLDOUT_TEST_FRACTION, selectSplit } from './split.js';
export type { SplitScheme } from './split.js';
export { createRng, seededPermutation } from './random.js';
export type { Rng } from './random.js';

// Format readers (pure, typed arrays in/out)
export { parseIdx, parseIdxImagesAndLabels } from './idx.js';
export { parseCifarBinary, parseCifarPickle } from './cifar.js';
export { restrictedUnpickle, ndarrayValues } from './pickle.js';
export { parseMat5 } from './mat5.js';
export { parseNpy } from './npy.js';
export type { NpyArray, NpyData, NpyDtype } from './npy.js';
export { openNpz } from './npz.js';
export type { NpzEntry, NpzFile } from './npz.js';
export type { MatFile, MatNumericArray } from './mat5.js';
export { svhnFromMat } from './svhn.js';
export { decodeImageFile, imageChannels, readImageFiles, writeSamplesAsPng } from './image-files.js';
export { DEBIAN_FASHION_MNIST_DIR, EMBEDDED_MNIST_COUNTS, readEmbeddedMnist } from './embedded.js';

// Preprocessing
export { resizeFloat, resizeUint8 } from './resize.js';
export {
  backgroundPerturbation,
  compose,
  dataTransform,
  dequantize,
  resizeTo,
  scaleToSymmetricRange,
  scaleToUnitRange,
  toFloatBatch,
  unscaleFromSymmetricRange,
  unscaleFromUnitRange,
} from './transforms.js';
export type { BatchTransform, DataTransformOptions, ImageBatch, ScaleOptions, UnscaleOptions } from './transforms.js';

// Batching and tensors
export { batchCount, iterateBatches, loaderDefaults } from './batches.js';
export type { Batch, BatchOptions } from './batches.js';
export { nchwToNhwc, nhwcToNchw } from './layout.js';
export { imagesToTensor, labelsToTensor, tensorToImages, toNchw, toNhwc } from './tensors.js';
export type { Layout } from './tensors.js';
export { datasetFingerprint } from './provenance.js';
export type { DatasetFingerprint } from './provenance.js';
export { datasetArgsOptions, readDatasetArgs, type DatasetArgs } from './dataset-args.js';
