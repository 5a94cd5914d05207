// On demand (not CI): a diffusion model trained through the coordinator and a worker process.
//  1. POSTs the reference's training/diffusions/grayscale_diffusions.yaml unchanged (its 8 jobs must be created:
//     201), then cancels that sweep before any worker runs (full-size jobs take days on this CPU);
//  2. takes its Fashion-MNIST VP-SDE job, cuts it to our CPU preset by config keys (score_network_kwargs, batch size,
//     a time budget, our test_evaluation) and submits it as a one-job sweep;
//  3. runs a worker, kills it with SIGKILL after --kill-after minutes, starts another (the job resumes);
//  4. reports steps trained, attempts, where it resumed, the test ε-loss and the PF-ODE test bits/dim (with its
//     solver settings), then loads the trained model and writes a grid of samples (reverse-SDE Euler–Maruyama).
// Usage: pnpm check:diffusion-training [--minutes 15] [--kill-after 6] [--batch 64] [--test-points 500]
//        [--solver rk45|euler] [--rtol 1e-4] [--atol 1e-4] [--steps 25] [--probes 1] [--samples 36]
//        [--out FILE.png]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '@dgm-ood/config';
import { initEngine } from '@dgm-ood/engine';
import { FamilyRegistry, loadModel } from '@dgm-ood/models';
import { diffusionFamily } from '@dgm-ood/diffusion/family';
import { CPU_PRESET_UNET } from '../packages/diffusion/src/presets.js';
import { writeSampleGrid } from '@dgm-ood/training';
import { ROOT, say, startCheckServices } from './check-harness.js';

type Json = { [key: string]: unknown };
interface JobRow {
  id: string;
  name: string;
  state: string;
  attempts: number;
  progress: Record<string, unknown> | null;
}

await runMain(async () => {
  const { values: o } = parseArgs({
    options: {
      minutes: { type: 'string', default: '15' },
      'kill-after': { type: 'string', default: '6' },
      batch: { type: 'string', default: '64' },
      'test-points': { type: 'string', default: '500' },
      solver: { type: 'string', default: 'rk45' },
      rtol: { type: 'string', default: '1e-4' },
      atol: { type: 'string', default: '1e-4' },
      steps: { type: 'string', default: '25' },
      probes: { type: 'string', default: '1' },
      samples: { type: 'string', default: '36' },
      out: { type: 'string', default: join(ROOT, 'check-output', 'diffusion-samples.png') },
    },
  });
  const { app, config: services, spawnWorker, close } = await startCheckServices();
  try {
    // 1. The reference's meta-configuration, unchanged.
    const reference = readFileSync(join(ROOT, 'test/fixtures/upstream/meta_configurations/training/diffusions/grayscale_diffusions.yaml'), 'utf8');
    const posted = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: reference });
    if (posted.statusCode !== 201) throw new Error(`POST grayscale_diffusions.yaml: ${posted.statusCode} ${posted.body}`);
    const full = posted.json() as { id: string; jobCount: number };
    say(`grayscale_diffusions.yaml unchanged: 201, sweep ${full.id} with ${full.jobCount} jobs`);
    const fullJobs = (await app.inject({ url: `/sweeps/${full.id}/jobs` })).json().items as JobRow[];
    await app.inject({ method: 'POST', url: `/sweeps/${full.id}/cancel` });
    say(`cancelled it (full-size jobs); jobs: ${fullJobs.map((j) => j.name).join(', ')}`);

    // 2. Its Fashion-MNIST VP-SDE job, cut to the CPU preset by config keys.
    let chosen: Json | undefined;
    for (const j of fullJobs) {
      const job = (await app.inject({ url: `/jobs/${j.id}` })).json() as { config: Json };
      const c = job.config as { data: Json; model: Json };
      if (c.data.dataset === 'fashion-mnist' && String(c.model.class_path).endsWith('VPSDE_Diffusion')) chosen = job.config;
    }
    if (!chosen) throw new Error('no fashion-mnist VPSDE_Diffusion job in the reference sweep');
    const config = structuredClone(chosen) as { data: Json; trainer: Json; model: { init_args: { score_network_kwargs: Json } } };
    Object.assign(config.model.init_args.score_network_kwargs, {
      block_out_channels: CPU_PRESET_UNET.blockOutChannels,
      layers_per_block: CPU_PRESET_UNET.layersPerBlock,
      down_block_types: CPU_PRESET_UNET.downBlockTypes,
      up_block_types: CPU_PRESET_UNET.upBlockTypes,
      norm_num_groups: CPU_PRESET_UNET.normNumGroups,
      attention_head_dim: CPU_PRESET_UNET.attentionHeadDim,
    });
    const batch = Number(o.batch);
    Object.assign(config.data, { train_batch_size: batch, valid_batch_size: batch, test_batch_size: 100, valid_limit: 1000 });
    Object.assign(config.trainer, {
      max_minutes: Number(o.minutes),
      checkpoint_every_steps: 50,
      progress_every_steps: 10,
      test_points: Number(o['test-points']),
      test_evaluation: {
        points: Number(o['test-points']),
        batch_size: 50,
        solver: o.solver,
        ...(o.solver === 'rk45' ? { rtol: Number(o.rtol), atol: Number(o.atol) } : { steps: Number(o.steps) }),
        trace: 'rademacher',
        probes: Number(o.probes),
      },
    });
    const sweep = { project: 'dgm-ood', sweep_name: 'diffusion-cpu-check', base_config: config, sweep_configuration: {} };
    const response = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/json' }, payload: sweep });
    if (response.statusCode !== 201) throw new Error(`POST the cut job: ${response.statusCode} ${response.body}`);
    const { id } = response.json() as { id: string };
    say(`cut job submitted (sweep ${id}): U-Net ${JSON.stringify(CPU_PRESET_UNET.blockOutChannels)}, batch ${batch}, ${o.minutes} min budget; MODEL_DIR ${services.modelDir}`);

    // 3. A worker, killed once with SIGKILL.
    const worker = () => spawnWorker(['--queues', 'train', '--concurrency', '1', '--lock-duration', '15000', '--stalled-interval', '5000'], { DGM_OOD_WASM_THREADS: '2' });
    let current = worker();
    const killAt = Date.now() + Number(o['kill-after']) * 60_000;
    let killed = false;
    let jobs: JobRow[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 20_000));
      jobs = (await app.inject({ url: `/sweeps/${id}/jobs` })).json().items as JobRow[];
      const j = jobs[0]!;
      say(`${j.state} a${j.attempts} ${String(j.progress?.message ?? '')} ${j.progress?.fraction !== undefined ? `(${(Number(j.progress.fraction) * 100).toFixed(0)}%)` : ''}`);
      if (!killed && Date.now() > killAt) {
        current.kill('SIGKILL');
        killed = true;
        say(`killed the worker (SIGKILL, pid ${current.pid}); starting another`);
        current = worker();
      }
      if (['succeeded', 'failed', 'cancelled'].includes(j.state)) break;
    }
    const job = (await app.inject({ url: `/jobs/${jobs[0]!.id}` })).json() as { state: string; attemptLog: { outcome: string }[]; summary: Json; error: string | null; workdirKey: string };
    say(`job ${job.state}; attempts ${job.attemptLog.map((a) => a.outcome).join(' → ')}`);
    say(`summary ${JSON.stringify(job.summary)}${job.error ? `\nerror ${job.error}` : ''}`);
    if (job.state !== 'succeeded') throw new Error('the training job did not succeed');
    current.kill('SIGTERM');

    // 4. Samples of the trained model, for a person to look at.
    await initEngine({ backend: 'wasm' });
    const model = await loadModel(join(services.modelDir, job.workdirKey), new FamilyRegistry([diffusionFamily]));
    const n = Number(o.samples);
    const started = Date.now();
    const images = await model.capabilities.sample!(n, 2026);
    mkdirSync(dirname(o.out!), { recursive: true });
    await writeSampleGrid(images, o.out!, { columns: Math.ceil(Math.sqrt(n)), scale: 3 });
    writeFileSync(`${o.out}.json`, JSON.stringify({ summary: job.summary, samples: n, sampler: 'euler-maruyama 1000 steps, eps 1e-4', seconds: (Date.now() - started) / 1000 }, null, 2));
    say(`${n} samples (Euler–Maruyama, 1,000 steps) in ${((Date.now() - started) / 1000).toFixed(0)} s → ${o.out}`);
    images.dispose();
    model.dispose();
  } finally {
    await close();
  }
});
