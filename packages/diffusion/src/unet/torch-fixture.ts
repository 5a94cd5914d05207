// Test helper: reads the PyTorch parity fixture written by bench/diffusion_torch.py (weights as base64 int16
// multiples of weightQuantum, so both sides use exactly the same values).
import { readFileSync } from 'node:fs';
import type { TorchTensorEntry } from './load-torch-state-dict.js';
import type { UNetSpec } from './spec.js';

export interface TorchUNetFixture {
  spec: UNetSpec;
  stateDict: Record<string, TorchTensorEntry>;
  x: { shape: [number, number, number, number]; values: number[] };
  t: number[];
  output: { shape: [number, number, number, number]; values: number[] };
  parameterCounts: Record<'tiny' | 'medium' | 'referenceGray' | 'referenceRgb', { spec: UNetSpec; parameters: number; flopsPerImage: number }>;
}

interface RawFixture extends Omit<TorchUNetFixture, 'stateDict'> {
  weightQuantum: number;
  stateDict: Record<string, { shape: number[]; int16: string }>;
}

export function readTorchUNetFixture(): TorchUNetFixture {
  const raw = JSON.parse(readFileSync(new URL('../__fixtures__/unet-tiny-torch.json', import.meta.url), 'utf8')) as RawFixture;
  const stateDict: Record<string, TorchTensorEntry> = {};
  for (const [name, e] of Object.entries(raw.stateDict)) {
    const bytes = Buffer.from(e.int16, 'base64');
    const ints = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    stateDict[name] = { shape: e.shape, values: Float32Array.from(ints, (q) => q * raw.weightQuantum) };
  }
  return { ...raw, stateDict };
}
