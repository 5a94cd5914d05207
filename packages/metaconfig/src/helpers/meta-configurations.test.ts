import { describe, expect, it } from 'vitest';
import { canonicalJson, fromJsonValue } from '../canonical-json.js';
import type { JsonValue } from '../types.js';
import { PyError, PyFloat, type PyValue } from '../value.js';
import { changeCouplingLayers, changeName, getGeneratedConfig, oodRunNameChanger } from './meta-configurations.js';

const py = (v: JsonValue): PyValue => fromJsonValue(v);

describe('meta_configurations helpers', () => {
  it('change_coupling_layers keeps net and mask, sets the class, adds the extra args, copies everything', () => {
    const conf = py({ a: [{ coupling_transform_cls: null, net: { w: 1 }, mask: { flip: true }, junk: 5 }, { other: 1 }], b: 2 }) as Map<string, PyValue>;
    const out = changeCouplingLayers(conf, 'AffineCouplingTransform', new Map<string, PyValue>([['tail_bound', new PyFloat(3)]]));
    expect(canonicalJson(out)).toBe('{"a":[{"coupling_transform_cls":"nflows.transforms.AffineCouplingTransform","mask":{"flip":true},"net":{"w":1},"tail_bound":3.0},{"other":1}],"b":2}');
    // A deep copy: the input is untouched and shares nothing.
    expect(canonicalJson(conf)).toBe('{"a":[{"coupling_transform_cls":null,"junk":5,"mask":{"flip":true},"net":{"w":1}},{"other":1}],"b":2}');
  });

  it('get_generated_config points at the run\'s base_model', () => {
    const conf = py({ base_model: { config_dir: 'x' } });
    expect(canonicalJson(getGeneratedConfig(conf))).toBe('{"dataset":"dgm-generated","dgm_args":{"length":1000,"model_loading_config":{"config_dir":"x"},"seed":10}}');
    expect(() => getGeneratedConfig(py({}))).toThrow(PyError);
  });

  it('change_name names flows, diffusions and others', () => {
    const flow = py({ trainer: { writer: { tag_group: 'flow' } }, data: { dataset: 'mnist' }, model: { init_args: { t: [{ x: 1 }, { init_args: { coupling_transform_cls: 'nflows.transforms.AffineCouplingTransform' } }] } } });
    expect(changeName(flow, 'agenizing')).toBe('AffineCouplingTransform_mnist_agenizing');
    const diffusion = py({ trainer: { writer: { tag_group: 'diffusion' } }, data: { dataset: 'cifar10' }, model: { class_path: 'model_zoo.density_estimator.diffusions.VPSDE_Diffusion' } });
    expect(changeName(diffusion, 'w')).toBe('diffusion_VPSDE_Diffusion_cifar10_w');
    // dgm-ood presets name the run after the preset.
    expect(changeName(py({ trainer: { writer: { tag_group: 'flow' } }, data: { dataset: 'fashion-mnist' }, model: { preset: 'rqnsf-grayscale-cpu' } }), 'w')).toBe(
      'rqnsf-grayscale-cpu_fashion-mnist_w',
    );
    expect(changeName(py({ trainer: { writer: { tag_group: 'x' } }, data: { dataset: 'svhn' } }), 'w')).toBe('svhn_w');
  });

  it('ood_run_name_changer shows medmnist by subclass and alignment', () => {
    const side = (dataset: string, extra?: JsonValue) => ({ dataloader_args: { dataset, ...(extra ? { additional_dataset_args: extra } : {}) } });
    const conf = (a: JsonValue, b: JsonValue, pick = 'test') => py({ data: { in_distribution: a, out_of_distribution: { ...(b as object), pick_loader: pick } } });
    expect(oodRunNameChanger(conf(side('mnist'), side('dgm-generated')), 'w')).toBe('mnist_vs_dgm-generated_test_w');
    expect(oodRunNameChanger(conf(side('medmnist', { subclass: 'ChestMNIST' }), side('medmnist', { subclass: 'OrganAMNIST', align: false }), 'train'), 'w')).toBe('ChestMNIST-align_vs_OrganAMNIST-noalign_train_w');
  });
});
