import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

const post = async (payload: string, query = '') => {
  const response = await h.app.inject({ method: 'POST', url: `/sweeps${query}`, headers: { 'content-type': 'application/yaml' }, payload });
  return { status: response.statusCode, body: response.json() };
};
type Issue = { path: string; message: string };
type Block = { sweep_identifier: string; values: Array<Record<string, unknown>> };

/** The paper's flow LID sweep with nothing changed but its four models: references to our training sweep. */
function lidSweepOnOurModels(): string {
  const meta = parse(upstreamFile('ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'));
  const blocks = meta.sweep_configuration.dy__upsert as Block[];
  blocks.find((b) => b.sweep_identifier === 'B_in_distribution_model')!.values.forEach((v, k) => (v.base_model = { sweep: 'flows', job: k }));
  return stringify(meta);
}

describe('POST /sweeps checks every job with the plan readers the workers use', () => {
  test('a method that is not implemented: 400 naming the class path, for every job', async () => {
    const { status, body } = await post(upstreamFile('ood/numerical_invertibility/grayscale_invertibility_check.yaml'));
    expect(status).toBe(400);
    const methodIssues = (body.errors as Issue[]).filter((e) => /^jobs\[\d+\]\.ood\.method$/.test(e.path));
    expect(methodIssues.length).toBeGreaterThan(0);
    expect(methodIssues[0]!.message).toMatch(/^job 0 \(.+\): config ood\.method: ood\.methods\.intrinsic_dimension\.ReconstructionCheck is not available: the numerical-invertibility check/);
    const jobs = new Set((body.errors as Issue[]).map((e) => /^jobs\[(\d+)\]/.exec(e.path)![1]));
    expect(new Set(methodIssues.map((e) => /^jobs\[(\d+)\]/.exec(e.path)![1]))).toEqual(jobs);
    expect(body.message).toMatch(new RegExp(`${jobs.size} of ${jobs.size} job\\(s\\) cannot run`));
  });

  test("the reference's input-complexity and likelihood-ratio sweeps as they are: a dry run accepts every job", async () => {
    const complexity = await post(upstreamFile('ood/complexity/grayscale_complexity.yaml'), '?dryRun=true');
    expect(complexity.status).toBe(200);
    // 4 models × 5 OOD sets (the generated one included).
    expect(complexity.body).toMatchObject({ dryRun: true, kind: 'ood', jobCount: 4 * 5 });
    // Each flow with its background flow (PyTorch checkpoints, imported on the worker) as reference_model_config.
    const ratios = await post(upstreamFile('ood/ratios/grayscale_ratios.yaml'), '?dryRun=true');
    expect(ratios.status).toBe(200);
    expect(ratios.body).toMatchObject({ dryRun: true, kind: 'ood' });
    expect(ratios.body.jobCount).toBeGreaterThan(0);
  });

  test("every baseline meta-config of the reference, unchanged, is created (201), LPIPS weights named by the deployment", async () => {
    process.env.LPIPS_ALEXNET_WEIGHTS = '/weights/alexnet-owt-7be5be79.pth';
    process.env.LPIPS_LIN_WEIGHTS = '/weights/alex.pth';
    try {
      for (const file of [
        'training/flows/grayscale_background_flows.yaml',
        'training/flows/colorful_background_flows.yaml',
        'ood/ratios/grayscale_ratios.yaml',
        'ood/ratios/rgb_ratios.yaml',
        'ood/complexity/grayscale_complexity.yaml',
        'ood/complexity/rgb_complexity.yaml',
        'ood/ratios/grayscale_diffusion_ratio.yaml',
        'ood/ratios/rgb_diffusion_ratio.yaml',
        'ood/reconstruction_based/grayscale_degrade_denoise.yaml',
        'ood/reconstruction_based/rgb_degrade_denoise.yaml',
      ]) {
        const { status, body } = await post(upstreamFile(file));
        expect({ file, status, errors: body.errors }).toEqual({ file, status: 201, errors: undefined });
        expect(body.jobCount).toBeGreaterThan(0);
      }
    } finally {
      delete process.env.LPIPS_ALEXNET_WEIGHTS;
      delete process.env.LPIPS_LIN_WEIGHTS;
    }
  });

  test("the reference's reconstruction sweep asks for lpips with no weights: 400 saying which files to provide; with them named, accepted", async () => {
    const source = upstreamFile('ood/reconstruction_based/grayscale_degrade_denoise.yaml');
    const refused = await post(source, '?dryRun=true');
    expect(refused.status).toBe(400);
    const issues = refused.body.errors as Issue[];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((e) => e.path.endsWith('.ood.method_args.lpips_weights'))).toBe(true);
    expect(issues[0]!.message).toMatch(/lpips needs AlexNet weights, which no registry here ships: provide lpips_weights: \{alexnet: <torchvision alexnet-owt-7be5be79\.pth>, lin: <the lpips package's weights\/v0\.1\/alex\.pth>\}/);
    const named = source.replace("methods_to_include: ['l2', 'lpips']", "methods_to_include: ['l2', 'lpips']\n      lpips_weights: {alexnet: lpips/alexnet-owt-7be5be79.pth, lin: lpips/alex.pth}");
    expect(named).not.toBe(source);
    const accepted = await post(named, '?dryRun=true');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ dryRun: true, kind: 'ood' });
  });

  test("the paper's flow LID sweep as it is (PyTorch checkpoints under the workers' MODEL_DIR): a dry run accepts every job", async () => {
    const { status, body } = await post(upstreamFile('ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'), '?dryRun=true');
    expect(status).toBe(200);
    // 4 models × 5 datasets × 3 splits × 2 … × 3: every job, the generated-sample ones (dgm_args.model_loading_config
    // naming the same PyTorch checkpoint) included. The files are found, or not, on the worker.
    expect(body).toMatchObject({ dryRun: true, kind: 'ood', jobCount: 4 * 5 * 3 * 2 * 3 });
  });

  test('with base_model as {sweep, job} references and nothing else changed: dry run 200, then 201', async () => {
    const training = await post(upstreamFile('training/flows/grayscale_flows.yaml'), '?name=flows');
    expect(training.status).toBe(201);
    const source = lidSweepOnOurModels();
    const sweepsBefore = (await h.app.inject({ url: '/sweeps?pageSize=100' })).json().total;
    const dry = await post(source, '?dryRun=true');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ id: null, dryRun: true, kind: 'ood', jobCount: 360 });
    // A dry run creates nothing.
    expect((await h.app.inject({ url: '/sweeps?pageSize=100' })).json().total).toBe(sweepsBefore);
    const created = await post(source);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'ood', jobCount: 360, waiting: 360 });
    // An argument outside what the method maps is still refused, located.
    const plateau = await post(source.replaceAll('adaptive_setting_mode: percentile', 'adaptive_setting_mode: plateau_based'));
    expect(plateau.status).toBe(400);
    expect((plateau.body.errors as Issue[]).every((e) => e.path.endsWith('.ood.method_args.adaptive_setting_mode'))).toBe(true);
  });

  test('a training job whose model no family builds: 400 at its path', async () => {
    // A VAE class path: a model of the reference's kind that no registered family builds.
    const { status, body } = await post(`
project: t
base_config:
  data: {dataset: mnist}
  model: {class_path: model_zoo.density_estimator.vae.VAE}
  trainer: {max_epochs: 1}
sweep_configuration:
  trainer: {max_epochs: {sweep: true, values: [1, 2]}}
`, '?kind=train');
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(2);
    expect(body.errors[1]).toMatchObject({ path: 'jobs[1].model' });
    expect(body.errors[1].message).toMatch(/no registered model family builds this model \(class_path model_zoo\.density_estimator\.vae\.VAE; families: flow, diffusion\)/);
  });
});
