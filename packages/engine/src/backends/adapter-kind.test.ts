import { describe, expect, it } from 'vitest';
import { describeAdapter } from './adapter-kind.js';

describe('describeAdapter', () => {
  it('flags Mesa llvmpipe through OpenGL as software (what Dawn reports on our CPU machines)', () => {
    const v = describeAdapter({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6' });
    expect(v.software).toBe(true);
    expect(v.label).toContain('llvmpipe');
  });

  it('flags lavapipe, SwiftShader, WARP and fallback adapters as software', () => {
    expect(describeAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'lavapipe' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'google', device: 'SwiftShader Device (Subzero)' }).software).toBe(true);
    expect(describeAdapter({ description: 'Microsoft Basic Render Driver' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'nvidia', isFallbackAdapter: true }).software).toBe(true);
  });

  it('accepts hardware adapters', () => {
    const v = describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 580.65.06' });
    expect(v.software).toBe(false);
    expect(v.label).toBe('nvidia / hopper / NVIDIA H100 80GB HBM3 / NVIDIA: 580.65.06');
    expect(describeAdapter({ vendor: 'amd', device: 'AMD Radeon RX 7900' }).software).toBe(false);
    expect(describeAdapter({}).label).toBe('unnamed adapter');
  });
});
