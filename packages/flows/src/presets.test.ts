import { beforeAll, describe, expect, it } from 'vitest';
import { describeArchitecture } from './architecture.js';
import { buildFlowModel } from './build.js';
import { FlowConfigError } from './errors.js';
import { describeFlowPreset, FLOW_PRESET_NAMES, flowPreset, resolveFlowModelSpec } from './presets.js';
import { validateFlowSpec, type FlowModelSpec, type TransformSpec } from './spec.js';
import { useCpuBackend } from './test-helpers.js';

beforeAll(useCpuBackend);

/**
 * What each preset name promises, written out by hand: `<glow|rqnsf>-<grayscale|rgb>[-small|-cpu]` is the
 * three-level flow of docs/reference-notes.md §2.2 (squeeze 2, 2, then 7 for 28×28 or 8 for 32×32; 3, 3, 2
 * blocks; 1×1 convs inside the blocks of levels 1–2, only at the end of level 3) with Glow affine or RQ-NSF
 * (K = 8, B = 3, linear tails) couplings, ConvResidualNets of 2 blocks with dropout 0.2, and coupling widths
 * 64/64/1024 (reference), 32/32/256 (small) or 16/16/128 (cpu).
 */
interface PresetPromise {
  couplingType: 'affine-coupling' | 'rq-spline-coupling';
  family: 'Glow' | 'RQ-NSF';
  dataShape: [number, number, number];
  /** Level output shapes [C, H, W] (before the split). */
  levelShapes: Array<[number, number, number]>;
  squeezes: number[];
  widths: number[];
}

const LEVEL_SHAPES = {
  grayscale: [
    [4, 14, 14],
    [8, 7, 7],
    [196, 1, 1],
  ],
  rgb: [
    [12, 16, 16],
    [24, 8, 8],
    [768, 1, 1],
  ],
} as const;

function promiseOf(name: string): PresetPromise {
  const m = /^(glow|rqnsf)-(grayscale|rgb)(-small|-cpu)?$/.exec(name);
  if (!m) throw new Error(`preset name "${name}" does not follow <glow|rqnsf>-<grayscale|rgb>[-small|-cpu]`);
  const grayscale = m[2] === 'grayscale';
  return {
    couplingType: m[1] === 'glow' ? 'affine-coupling' : 'rq-spline-coupling',
    family: m[1] === 'glow' ? 'Glow' : 'RQ-NSF',
    dataShape: grayscale ? [1, 28, 28] : [3, 32, 32],
    levelShapes: LEVEL_SHAPES[grayscale ? 'grayscale' : 'rgb'].map((s) => [...s]),
    squeezes: grayscale ? [2, 2, 7] : [2, 2, 8],
    widths: m[3] === '-small' ? [32, 32, 256] : m[3] === '-cpu' ? [16, 16, 128] : [64, 64, 1024],
  };
}

/** Transform types of one level: squeeze, blocks × [actnorm, (conv1x1), coupling(flip T), actnorm, (conv1x1), coupling(flip F)], conv1x1. */
function expectedSequence(blocks: number, conv1x1InBlocks: boolean, coupling: string): string[] {
  const half = conv1x1InBlocks ? ['actnorm', 'conv1x1', coupling] : ['actnorm', coupling];
  return ['squeeze', ...Array.from({ length: blocks }, () => [...half, ...half]).flat(), 'conv1x1'];
}

/**
 * Stored parameters, counted from the architecture: ActNorm 2C; LU 1×1 conv 2C² + 2C (full L and U matrices,
 * diagonal, bias); a coupling's ConvResidualNet in→hidden 1×1, 2 blocks of two 3×3 convs (centre tap only on
 * 1×1 maps), hidden→out 1×1, all with biases; in = C/2 identity channels, out = C/2 · (2 affine | 3K − 1 spline).
 */
function expectedParameterCount(p: PresetPromise, numBins = 8): number {
  const blocksPerLevel = [3, 3, 2];
  let total = 0;
  p.levelShapes.forEach(([c, h, w], level) => {
    const taps = h === 1 && w === 1 ? 1 : 9;
    const hidden = p.widths[level]!;
    const inCh = c / 2;
    const outCh = (c / 2) * (p.couplingType === 'affine-coupling' ? 2 : 3 * numBins - 1);
    const net = inCh * hidden + hidden + 2 * 2 * (taps * hidden * hidden + hidden) + hidden * outCh + outCh;
    const actnorm = 2 * c;
    const conv1x1 = 2 * c * c + 2 * c;
    const perHalfBlock = actnorm + (level < 2 ? conv1x1 : 0) + net;
    total += blocksPerLevel[level]! * 2 * perHalfBlock + conv1x1;
  });
  return total;
}

const couplingsOf = (spec: FlowModelSpec, level: number) =>
  spec.levels[level]!.transforms.filter((t): t is Extract<TransformSpec, { net: unknown }> => 'net' in t);

describe('presets', () => {
  it('are the eight reference/small/cpu variants, all valid specs', () => {
    expect([...FLOW_PRESET_NAMES].sort()).toEqual(
      ['glow-grayscale', 'glow-grayscale-cpu', 'glow-grayscale-small', 'glow-rgb', 'rqnsf-grayscale', 'rqnsf-grayscale-cpu', 'rqnsf-grayscale-small', 'rqnsf-rgb'].sort(),
    );
    for (const name of FLOW_PRESET_NAMES) {
      const spec = flowPreset(name);
      expect(validateFlowSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    }
  });

  it.each([...FLOW_PRESET_NAMES])('%s has the data shape, levels, couplings and widths its name promises', (name) => {
    const p = promiseOf(name);
    const spec = flowPreset(name);
    expect(spec.dataShape).toEqual(p.dataShape);
    expect(spec.seed).toBe(0);
    expect(spec.levels.map((l) => l.outputShape)).toEqual(p.levelShapes);
    expect(spec.levels.map((l) => l.transforms[0])).toEqual(p.squeezes.map((factor) => ({ type: 'squeeze', factor })));
    expect(spec.levels.map((l) => l.transforms.map((t) => t.type))).toEqual([
      expectedSequence(3, true, p.couplingType),
      expectedSequence(3, true, p.couplingType),
      expectedSequence(2, false, p.couplingType),
    ]);
    spec.levels.forEach((level, i) => {
      const channels = p.levelShapes[i]![0];
      const sizes = level.transforms.flatMap((t) => (t.type === 'actnorm' ? [t.features] : t.type === 'conv1x1' ? [t.channels] : []));
      expect(new Set(sizes)).toEqual(new Set([channels]));
      const couplings = couplingsOf(spec, i);
      expect(couplings.map((t) => t.mask)).toEqual(couplings.map((_, k) => ({ dim: channels, flip: k % 2 === 0 })));
      const net = { type: 'conv-residual', hiddenChannels: p.widths[i], numBlocks: 2, dropout: 0.2 };
      const spline = p.couplingType === 'rq-spline-coupling' ? { numBins: 8, tailBound: 3, tails: 'linear', minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3 } : {};
      for (const t of couplings) expect(t).toEqual({ type: p.couplingType, mask: t.mask, net, ...spline });
    });
    const description = describeFlowPreset(name);
    expect(description).toContain(p.family);
    expect(description).toContain(p.dataShape.join('×'));
    expect(description).toContain(p.widths.join('/'));
  });

  // The rgb reference models (~60M parameters) are counted at the cpu widths: same structure, cheap to build.
  it.each([
    ['glow-grayscale', undefined],
    ['glow-grayscale-small', undefined],
    ['glow-grayscale-cpu', undefined],
    ['rqnsf-grayscale', undefined],
    ['rqnsf-grayscale-small', undefined],
    ['rqnsf-grayscale-cpu', undefined],
    ['glow-rgb', [16, 16, 128]],
    ['rqnsf-rgb', [16, 16, 128]],
  ] as const)('%s builds to the promised structure and parameter count (widths %j)', (name, widths) => {
    const p = promiseOf(name);
    if (widths) p.widths = [...widths];
    const model = buildFlowModel(flowPreset(name, widths ? { hiddenChannels: [...widths] } : {}));
    try {
      const arch = describeArchitecture(model);
      expect(arch.levels.map((l) => l.outputShape)).toEqual(p.levelShapes);
      expect(arch.levels.map((l) => l.couplings.map((c) => c.hiddenChannels))).toEqual(p.widths.map((w, i) => Array(i < 2 ? 6 : 4).fill(w)));
      expect(arch.totals.latentSize).toBe(p.dataShape[0] * p.dataShape[1] * p.dataShape[2]);
      expect(model.numParameters()).toBe(expectedParameterCount(p));
    } finally {
      model.dispose();
    }
  });

  it('accepts overrides (widths, tail bound, seed) and rejects unknown names clearly', () => {
    const spec = flowPreset('rqnsf-grayscale', { hiddenChannels: [8, 8, 16], tailBound: 1, seed: 4 });
    expect(spec.seed).toBe(4);
    expect(spec.levels[2]!.transforms.find((t) => t.type === 'rq-spline-coupling')).toMatchObject({ tailBound: 1, net: { hiddenChannels: 16 } });
    expect(() => flowPreset('nope')).toThrow(FlowConfigError);
    expect(() => resolveFlowModelSpec({ preset: 'nope' })).toThrow(/model\.preset: unknown flow preset "nope" \(known: glow-grayscale/);
    expect(() => resolveFlowModelSpec({ hello: 1 })).toThrow(/model: must be/);
  });

  it('spec validation names the bad field', () => {
    const spec = JSON.parse(JSON.stringify(flowPreset('glow-grayscale'))) as Record<string, any>;
    spec['levels'][1]['transforms'][3]['net']['dropout'] = 2;
    expect(() => validateFlowSpec(spec)).toThrow(/spec\.levels\[1\]\.transforms\[3\]\.net\.dropout: dropout must lie in \[0, 1\)/);
  });
});
