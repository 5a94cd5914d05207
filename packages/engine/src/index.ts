/**
 * @dgm-ood/engine — the TensorFlow.js execution layer.
 *
 * Usage, once per process, before any tensor work:
 *
 *   import { initEngine } from '@dgm-ood/engine';
 *   const engine = await initEngine({ backend: config.backend, logger });  // auto | tensorflow-gpu | webgpu | tensorflow | wasm | cpu
 *   jobRecord.backend = engine.backend;                                    // record it with the job
 *
 * Then use `engine.tf`, `import { tf } from '@dgm-ood/engine'`, or `import * as tf from '@tensorflow/tfjs'`:
 * all three are the same module instance (gradients registered, the chosen backend active, the
 * project's kernels installed). Read results with `await t.data()` in code that may run on WebGPU
 * (`dataSync` throws there in Node).
 */
export * as tf from '@tensorflow/tfjs';

export { initEngine, currentEngine } from './init-engine.js';
export type { Engine, InitEngineOptions } from './init-engine.js';
export { activateBackend } from './select-backend.js';
export type { ActivateBackendOptions, BackendSelection, SkippedBackend } from './select-backend.js';
export { BACKEND_NAMES, BACKEND_REQUESTS, TFJS_BACKEND_OF, isBackendRequest, parseBackendRequest } from './backend-name.js';
export type { BackendName, BackendRequest } from './backend-name.js';
export type { BackendLoaderOptions, WasmOptions, WebGpuOptions } from './backends/loader-options.js';
export { describeAdapter } from './backends/adapter-kind.js';
export type { AdapterDescription, AdapterVerdict } from './backends/adapter-kind.js';
export { probeWebGpu } from './backends/webgpu.js';
export { EngineError } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { silentLogger, stderrLogger } from './logger.js';
export type { EngineLogger } from './logger.js';

// Project kernels (registered by initEngine/activateBackend for wasm).
export { registerWasmKernels, WASM_CPU_FALLBACK_KERNELS } from './kernels/register-wasm-kernels.js';
export type { ProjectKernel } from './kernels/register-wasm-kernels.js';
export { cpuFallbackKernel } from './kernels/cpu-fallback.js';
export { convHelperThreads, stopConvHelpers } from './kernels/parallel-conv.js';

// Gradient-check suite: later issues append cases for the ops they use.
export { runGradCheck, formatGradCheckReport, assertGradCheckPassed } from './gradcheck/run-gradcheck.js';
export type { GradCheckOptions, GradCheckReport, GradCheckResult } from './gradcheck/run-gradcheck.js';
export { STANDARD_CASES, caseInputValues } from './gradcheck/cases.js';
export type { GradCheckCase, GradCheckInput } from './gradcheck/cases.js';
export { relativeError } from './gradcheck/compare.js';

// Autodiff tools for LID (reverse mode only in tfjs).
export { vjp, valueAndVjp, vjpMany, perSampleGradient, repeatSamples } from './autodiff/vjp.js';
export type { TensorFn, ChunkOptions } from './autodiff/vjp.js';
export { jvp, jvpMany } from './autodiff/jvp.js';
export { batchJacobian, jacobian } from './autodiff/jacobian.js';
export { jacobianTrace, traceProbes } from './autodiff/trace.js';
export type { TraceMethod, TraceOptions } from './autodiff/trace.js';
export { Rng, probeValues } from './autodiff/rng.js';
export type { ProbeKind } from './autodiff/rng.js';

// Memory discipline.
export { memorySnapshot, tidyChecked, scopeChecked, trainStep } from './memory/tensor-scope.js';
export { passBudgetBytes, peakBytesPerRow, rowsWithinBudget } from './memory/row-budget.js';
export type { LeakCheckOptions, MemorySnapshot, TensorLeak } from './memory/tensor-scope.js';

// WebGPU profiling: dispatches, submits, buffer creations and host reads per region (bench:gpu-dispatches).
export { installWebGpuCounters, diffCounts, formatCounts, topPrograms, programLabel } from './profiling/webgpu-counters.js';
export type { WebGpuCounter, WebGpuCounts } from './profiling/webgpu-counters.js';
// WebGPU GPU time per dispatch (timestamp queries), by the same labels as the counters (bench/gpu).
export { timeWebGpuDispatches, summarizeGpuTimes, formatGpuTimes } from './profiling/webgpu-gpu-time.js';
export type { TimedDispatch, TimedRegion, GpuTimeRow, GpuTimeSummary } from './profiling/webgpu-gpu-time.js';

// Our own WebGPU kernels (fused optimizer; see docs/tfjs-notes.md §6).
export { FusedAdamW } from './kernels/webgpu/fused-adamw.js';
export type { AdamWStepSettings } from './kernels/webgpu/fused-adamw.js';
export { OWN_WEBGPU_KERNELS_FLAG, ownWebGpuKernelsActive } from './kernels/webgpu/own-kernels-flag.js';
export { chooseGemmTiling, FORCEABLE_GEMM_TILINGS, GEMM_TILINGS, WEBGPU_GEMM_FLAG } from './kernels/webgpu/gemm-tiling.js';
export type { GemmDeviceLimits, GemmTiling } from './kernels/webgpu/gemm-tiling.js';
export { groupNorm, groupNormWithOffset } from './ops/group-norm.js';
export { silu } from './ops/silu.js';
export type { CustomGradFunc } from './ops/custom-grad.js';
export { sigmoid } from './ops/sigmoid.js';
export type { GroupNormOptions, NormActivation } from './ops/group-norm.js';
export { affineCouplingForward } from './ops/affine-coupling.js';
export { rationalQuadraticSpline } from './ops/rational-quadratic-spline.js';
export type { RationalQuadraticSplineSettings, SplineResult } from './ops/rational-quadratic-spline.js';
export { rationalQuadraticSplinePacked } from './ops/rq-spline-packed.js';
export type { PackedSplineSettings } from './ops/rq-spline-packed.js';
export { conv2dBias, matMulBias } from './ops/linear-bias.js';
export type { LinearActivation } from './ops/linear-bias.js';
export { relu, standardNormalLogProb, sumExceptBatch } from './ops/elementwise.js';
