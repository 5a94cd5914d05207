// Dispatches, queue submits, buffer creations and host reads per training step on webgpu (issue 18, acceptance
// point 3): the flow's affine-coupling Adam step and the diffusion U-Net step, stock tfjs-webgpu and under
// tfjs's own knobs (bench/gpu-dispatch-profile.ts). The counts do not depend on the adapter: without a GPU it
// runs on the software one (Mesa llvmpipe through Dawn's OpenGL ES backend), whose timings mean nothing.
// Run: pnpm bench:gpu-dispatches [--steps 3] [--warmup 2] [--coupling-batch 2] [--unet-batch 2] [--preset vp-unet-cpu] [--hardware]
//      [--only coupling_step|rq_coupling_step|unet_step] [--top 12] [--ours-only: only the stock and ours rows]
import { parseArgs } from 'node:util';
import { activateBackend, tf } from '@dgm-ood/engine';
import { couplingTrainingStep, rqCouplingTrainingStep, formatProfile, formatReduction, formatTopPrograms, KNOB_SETTINGS, profileSteps, unetTrainingStep, type StepProfile } from './gpu-dispatch-profile.js';

const { values: o } = parseArgs({
  options: {
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'coupling-batch': { type: 'string', default: '2' },
    'unet-batch': { type: 'string', default: '2' },
    preset: { type: 'string', default: 'vp-unet-cpu' },
    hardware: { type: 'boolean', default: false },
    only: { type: 'string' },
    top: { type: 'string', default: '12' },
    'ours-only': { type: 'boolean', default: false },
  },
});

tf.enableProdMode();
process.env.EGL_PLATFORM ??= 'surfaceless';
const webgpu = o.hardware ? {} : { dawnFlags: ['backend=opengles'], featureLevel: 'compatibility' as const, allowSoftwareAdapter: true };
await activateBackend('cpu');
const selection = await activateBackend('webgpu', { source: 'gpu dispatches bench', webgpu });
console.log(`gpu dispatches: ${selection.reason}; ${o.steps} measured step(s) after ${o.warmup} warm-up step(s), per-step figures`);

const workloads = [couplingTrainingStep(Number(o['coupling-batch'])), rqCouplingTrainingStep(Number(o['coupling-batch'])), unetTrainingStep(o.preset, Number(o['unet-batch']))].filter((w) => o.only === undefined || w.name === o.only);
for (const w of workloads) {
  console.log(`\n${w.name}: ${w.description}`);
  let stock: StepProfile | undefined;
  let ours: StepProfile | undefined;
  for (const setting of KNOB_SETTINGS.filter((k) => !o['ours-only'] || k.name === 'stock' || k.name === 'ours')) {
    const p = await profileSteps(tf, w, setting, Number(o.steps), Number(o.warmup));
    stock ??= p;
    if (setting.name === 'ours') ours = p;
    console.log(formatProfile(p, stock));
  }
  console.log(`  most dispatches (stock, per step, kernel/program):\n${formatTopPrograms(stock!, Number(o.top))}`);
  if (ours !== undefined) {
    console.log(`  most dispatches (ours, per step, kernel/program):\n${formatTopPrograms(ours, Number(o.top))}`);
    console.log(formatReduction(ours, stock!));
  }
}
