export { TorchIoError, type TorchIoErrorCode, type TorchIoErrorWhere } from './errors.js';
export { loadCheckpoint, type JsonValue, type NamedTensor, type TorchCheckpoint } from './checkpoint.js';
export { unpickle, DTYPE_BYTES, type PyValue, type StorageRef, type TensorRecord, type TorchDtype } from './torch-unpickler.js';
export { toTypedArray, gatherRowMajor, numelOf, type TensorValues } from './tensor-values.js';
export { ZipReader, type ZipEntry } from './zip-reader.js';
