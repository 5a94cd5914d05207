/** Model paths in a config name files under MODEL_DIR and nothing else on the machine. */
import { expect, test } from 'vitest';
import { readModelSourceAt } from './ood-plan.js';
import { insideModelDir } from './run-ood.js';

const at = (base_model: unknown) => () => readModelSourceAt({ base_model } as never, 'base_model');

test("base_model.directory is a working directory relative to MODEL_DIR: absolute paths and '..' are refused when read", () => {
  expect(at({ directory: 'single-runs/train-abc' })()).toEqual({ directory: 'single-runs/train-abc' });
  expect(at({ directory: '/etc' })).toThrow(/base_model\.directory: "\/etc" must be a model's working directory relative to MODEL_DIR/);
  expect(at({ directory: 'runs/../../etc' })).toThrow(/no absolute path, no '\.\.'/);
  expect(at({ checkpoint_dir: '../../etc/shadow', config_dir: 'a.json' })).toThrow(/base_model\.checkpoint_dir: .* climbs out with '\.\.'/);
  expect(at({ checkpoint_dir: 'ok/model.pt', config_dir: '..\\..\\x.json' })).toThrow(/base_model\.config_dir/);
});

test('at run time every model path resolves inside MODEL_DIR (absolute ones too, as the reference allows them)', () => {
  const ctx = { modelDir: '/srv/models' };
  expect(insideModelDir(ctx, 'fmnist/de_nf_best_valid.pt', 'base_model.checkpoint_dir')).toBe('/srv/models/fmnist/de_nf_best_valid.pt');
  expect(insideModelDir(ctx, '/srv/models/x/run_config.json', 'base_model.config_dir')).toBe('/srv/models/x/run_config.json');
  expect(() => insideModelDir(ctx, '/etc/passwd', 'base_model.checkpoint_dir')).toThrow(/base_model\.checkpoint_dir: "\/etc\/passwd" is outside MODEL_DIR \(\/srv\/models\)/);
  expect(() => insideModelDir(ctx, '/srv/models-other/x', 'base_model.directory')).toThrow(/outside MODEL_DIR/);
});
