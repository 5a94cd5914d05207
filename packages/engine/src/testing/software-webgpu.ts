import { activateBackend, type BackendSelection } from '../select-backend.js';
import type { WebGpuOptions } from '../backends/loader-options.js';

/**
 * A CPU WebGPU adapter for tests on machines without a GPU: Dawn's OpenGL ES backend on Mesa's llvmpipe,
 * through EGL without a display. Dawn offers GL adapters only at the 'compatibility' feature level, so
 * kernels tested here must fit its limits (e.g. 128 invocations per workgroup). Dawn's Vulkan route
 * (lavapipe, SwiftShader) crashes intermittently inside dawn.node 0.6.2 and is not used.
 */
export const SOFTWARE_WEBGPU: WebGpuOptions = { dawnFlags: ['backend=opengles'], featureLevel: 'compatibility', allowSoftwareAdapter: true };

/** What the adapter needs; named in the failure so that a machine without it says how to fix it. */
export const SOFTWARE_WEBGPU_NEEDS =
  "Debian packages libegl-mesa0 libgl1-mesa-dri libegl-dev (scripts/setup.sh installs them as root) and EGL_PLATFORM=surfaceless (set here unless already set)";

/**
 * Activates tfjs's webgpu backend on the software adapter. Throws (never skips) when it cannot: the
 * WebGPU suite exists to prove that the webgpu code path ran.
 */
export async function activateSoftwareWebGpu(): Promise<BackendSelection> {
  // Without a display, Mesa's EGL must be told to use no window system at all.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  let selection: BackendSelection;
  try {
    selection = await activateBackend('webgpu', { webgpu: SOFTWARE_WEBGPU, source: 'the software WebGPU test suite' });
  } catch (error) {
    throw new Error(`no software WebGPU adapter (Dawn OpenGL ES on llvmpipe): needs ${SOFTWARE_WEBGPU_NEEDS}; cause: ${(error as Error).message}`, { cause: error });
  }
  return selection;
}
