/** Options for the WebGPU (Dawn) probe. Defaults suit a GPU machine (Dawn's Vulkan backend). */
export interface WebGpuOptions {
  /** Dawn toggles for `create()`, e.g. `['backend=opengl']`. Default: none (Vulkan on Linux). */
  dawnFlags?: string[];
  /** `requestAdapter({ featureLevel })`; Dawn exposes OpenGL adapters only at 'compatibility'. */
  featureLevel?: 'core' | 'compatibility';
  /**
   * Accept a CPU renderer (llvmpipe, SwiftShader). Only for testing the WebGPU code path on machines
   * without a GPU: such adapters run 5–11× slower than wasm. Never set by `auto`.
   */
  allowSoftwareAdapter?: boolean;
}

export interface WasmOptions {
  /**
   * Threads for large convolutions and products: this one plus (threads − 1) helper threads, each
   * with its own wasm instance (kernels/parallel-conv.ts). Default: DGM_OOD_WASM_THREADS, else 1
   * (`initEngine`: min(2, cores)). Worth 2 where the process has the cores to itself; 1 where several
   * workers share them.
   */
  threads?: number;
  /**
   * Folder holding the tfjs-backend-wasm `.wasm` binaries (with a trailing slash). Default: the
   * installed package's `dist/` folder, so nothing is ever downloaded.
   */
  wasmDir?: string;
}

export interface BackendLoaderOptions {
  webgpu?: WebGpuOptions;
  wasm?: WasmOptions;
}
