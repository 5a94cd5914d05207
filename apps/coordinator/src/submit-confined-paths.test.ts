import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

type Block = { sweep_identifier: string; values: Array<Record<string, unknown>> };

/** The paper's flow LID sweep with its models replaced by `model(k)`. */
function lidSweep(model: (k: number) => unknown, pickCount?: number): string {
  const meta = parse(upstreamFile('ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'));
  const blocks = meta.sweep_configuration.dy__upsert as Block[];
  blocks.find((b) => b.sweep_identifier === 'B_in_distribution_model')!.values.forEach((v, k) => (v.base_model = model(k)));
  // Every pick_count of the file (its upsert blocks set their own).
  const setPickCount = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(setPickCount);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'pick_count' && pickCount !== undefined) (node as Record<string, unknown>)[key] = pickCount;
        else setPickCount(value);
      }
    }
  };
  setPickCount(meta);
  return stringify(meta);
}

const dryRun = async (payload: string) => {
  const response = await h.app.inject({ method: 'POST', url: '/sweeps?dryRun=true', headers: { 'content-type': 'application/yaml' }, payload });
  return { status: response.statusCode, body: response.json() as { errors?: { path: string; message: string }[] } };
};

test('base_model.directory outside MODEL_DIR (/etc, or up with ..) is refused at POST, located per job', async () => {
  for (const directory of ['/etc', '../../etc']) {
    const { status, body } = await dryRun(lidSweep(() => ({ directory })));
    expect(status, directory).toBe(400);
    const refused = body.errors!.find((e) => e.path === 'jobs[0].base_model.directory');
    expect(refused?.message, directory).toContain(`${JSON.stringify(directory)} must be a model's working directory relative to MODEL_DIR`);
  }
  const inside = await dryRun(lidSweep((k) => ({ directory: `flows/job-${k}` })));
  expect(inside.body.errors?.some((e) => e.path.endsWith('base_model.directory'))).toBe(false);
});

test('a pick_count of 2^53 − 1 is refused at POST with its key', async () => {
  const { status, body } = await dryRun(lidSweep((k) => ({ sweep: 'flows', job: k }), Number.MAX_SAFE_INTEGER));
  expect(status).toBe(400);
  const refused = body.errors!.find((e) => e.path === 'jobs[0].ood.pick_count');
  expect(refused?.message).toContain('up to 1000000 (got 9007199254740991)');
});

test('data cannot be read from outside DATA_DIR: a dataset is a registered name, never a path', async () => {
  // One OOD job of the paper's flow LID sweep, its datasets set directly.
  const meta = parse(upstreamFile('ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml'));
  meta.sweep_configuration = {};
  meta.base_config.base_model = { directory: 'flows/job-0' };
  meta.base_config.data.in_distribution.dataloader_args.dataset = 'fashion-mnist';
  for (const dataset of ['/etc', '../../etc/passwd', 'mnist/../../etc']) {
    meta.base_config.data.out_of_distribution.dataloader_args.dataset = dataset;
    const { status, body } = await dryRun(stringify(meta));
    expect(status, dataset).toBe(400);
    const refused = body.errors?.find((e) => e.path.endsWith('out_of_distribution.dataloader_args.dataset'));
    expect(refused?.message, `${dataset}: ${JSON.stringify(body)}`).toContain(`dataset ${JSON.stringify(dataset)} is not available`);
  }
  meta.base_config.data.out_of_distribution.dataloader_args.dataset = 'mnist';
  expect((await dryRun(stringify(meta))).status).toBe(200);
});
