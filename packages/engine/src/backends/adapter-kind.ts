/** What a WebGPU adapter reports about itself (GPUAdapterInfo, plus Dawn's fallback flag). */
export interface AdapterDescription {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface AdapterVerdict {
  /** True for CPU renderers (llvmpipe, lavapipe, SwiftShader, …): slower than wasm, never chosen by `auto`. */
  software: boolean;
  /** One readable line naming the adapter, for logs and skip reasons. */
  label: string;
}

// Mesa's CPU rasterisers (llvmpipe through GL, lavapipe through Vulkan, softpipe/swrast), Google's
// SwiftShader, and Windows' WARP ("Microsoft Basic Render Driver").
const SOFTWARE_RENDERER = /llvmpipe|lavapipe|softpipe|swrast|swiftshader|basic render/i;

export function describeAdapter(info: AdapterDescription): AdapterVerdict {
  const fields = [info.vendor, info.architecture, info.device, info.description]
    .map((f) => (f ?? '').trim())
    .filter((f) => f !== '');
  const label = fields.length > 0 ? fields.join(' / ') : 'unnamed adapter';
  const software = info.isFallbackAdapter === true || fields.some((f) => SOFTWARE_RENDERER.test(f));
  return { software, label };
}
