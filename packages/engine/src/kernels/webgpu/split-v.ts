import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { bufferOf, elementwiseGrid, newDeviceTensorInfo, pipelineFor, recordDispatch, uniformU32, WORKGROUP, type WebGpuBackendInternals } from './raw-dispatch.js';
import { replaceWebGpuKernel } from './replace-kernel.js';
import { FLAT_INDEX_WGSL } from './wgsl-snippets.js';

/**
 * Where each part of a split lies in its input viewed as [outer, rowLength] (rowLength = the split axis times
 * the axes after it): part j is the columns [start, start + width) of every row.
 */
export interface SplitLayout {
  outer: number;
  rowLength: number;
  parts: Array<{ start: number; width: number }>;
}

export function splitLayout(shape: readonly number[], axis: number, sizes: readonly number[]): SplitLayout {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  let begin = 0;
  const parts = sizes.map((s) => {
    const part = { start: begin * inner, width: s * inner };
    begin += s;
    return part;
  });
  return { outer, rowLength: shape[axis]! * inner, parts };
}

/** The parts' indices in dispatches of at most `perDispatch` outputs each (consecutive, all but the last full). */
export function splitDispatchGroups(parts: number, perDispatch: number): number[][] {
  const groups: number[][] = [];
  for (let first = 0; first < parts; first += perDispatch) {
    groups.push(Array.from({ length: Math.min(perDispatch, parts - first) }, (_, i) => first + i));
  }
  return groups;
}

// One invocation per output element of the dispatch's `slots` parts: slot j owns the flat indices [end(j−1), end(j)),
// element e of it is row e / width, column start + e mod width of the input.
function splitWgsl(slots: number): string {
  const fields = Array.from({ length: slots }, (_, j) => `start${j}: u32, width${j}: u32, end${j}: u32`).join(', ');
  const outputs = Array.from({ length: slots }, (_, j) => `@group(0) @binding(${j + 1}) var<storage, read_write> out${j}: array<f32>;`).join('\n');
  const branches = Array.from({ length: slots }, (_, j) => {
    const begin = j === 0 ? '0u' : `u.end${j - 1}`;
    return `if (i < u.end${j}) {
    let e = i - ${begin};
    out${j}[e] = x[(e / u.width${j}) * u.rowLength + u.start${j} + e % u.width${j}];
    return;
  }`;
  }).join('\n  ');
  return `
struct U { rowLength: u32, ${fields} }
@group(0) @binding(0) var<storage, read> x: array<f32>;
${outputs}
@group(0) @binding(${slots + 1}) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  ${branches}
}`;
}

interface SplitVBackend extends WebGpuBackendInternals {
  /** tfjs computes small ops on host-resident inputs on the CPU; our replacement leaves those to the stock kernel. */
  shouldExecuteOnCPU(inputs: tf.TensorInfo[]): boolean;
}

/**
 * tfjs-webgpu splits a tensor into n parts with n slice dispatches (SplitV, and so every concat's gradient); this
 * writes up to (storage buffers per shader stage − 1) parts per dispatch. The U-Net's batched time projections are
 * split three ways per step (the product, its weights' and its biases' gradients) into one part per resnet.
 * Stock for other dtypes, empty parts, host-resident small inputs, and while the engine's own kernels are off.
 */
export function registerWebGpuSplitV(): void {
  replaceWebGpuKernel(tf.SplitV, (stock) => (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const backend = args.backend as unknown as SplitVBackend;
    if (x.dtype !== 'float32' || !ownWebGpuKernelsActive() || backend.shouldExecuteOnCPU([x])) return stock.kernelFunc(args);
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const layout = splitLayout(x.shape, $axis, sizes);
    const total = layout.outer * layout.rowLength;
    if (sizes.length < 2 || sizes.some((s) => s <= 0) || Math.ceil(total / WORKGROUP) > backend.device.limits.maxComputeWorkgroupsPerDimension ** 2) {
      return stock.kernelFunc(args);
    }
    const input = { buffer: bufferOf(backend, x) };
    const outputs = sizes.map((s) => newDeviceTensorInfo(backend, x.shape.map((d, i) => (i === $axis ? s : d))));
    const perDispatch = Math.max(1, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    for (const group of splitDispatchGroups(sizes.length, perDispatch)) {
      let end = 0;
      const fields = group.flatMap((j) => {
        const { start, width } = layout.parts[j]!;
        end += layout.outer * width;
        return [uniformU32(start), uniformU32(width), uniformU32(end)];
      });
      recordDispatch(backend, {
        name: 'SplitV/dgmSplit',
        pipeline: pipelineFor(backend, `dgm-split-${group.length}`, () => splitWgsl(group.length)),
        bindings: [input, ...group.map((j) => ({ buffer: outputs[j]!.buffer })), backend.makeUniforms([uniformU32(layout.rowLength), ...fields])],
        workgroups: elementwiseGrid(backend, end),
      });
    }
    return outputs.map((o) => o.info);
  });
}
