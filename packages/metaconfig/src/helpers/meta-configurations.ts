/**
 * Built-in TypeScript versions of the reference project's `meta_configurations` helper module
 * (behaviour as described in test/fixtures/upstream/README.md). Snippets reach them through
 * `from meta_configurations import ...`; nothing from a configuration is executed as code.
 */
import { PyError, PyModule, type PyValue, deepCopy } from '../value.js';
import { BuiltinFunction } from '../python/builtins.js';
import { getItem, pyStr } from '../python/ops.js';

const COUPLING_KEY = 'coupling_transform_cls';

/**
 * Deep copy of `conf` in which every mapping holding `coupling_transform_cls` is replaced by a mapping with
 * only its `net` and `mask`, `coupling_transform_cls = nflows.transforms.<couplingName>`, plus `additionalArgs`.
 */
export function changeCouplingLayers(conf: PyValue, couplingName: PyValue, additionalArgs: PyValue = null): PyValue {
  if (typeof couplingName !== 'string') throw new PyError('TypeError', 'coupling_name must be a string');
  if (additionalArgs !== null && !(additionalArgs instanceof Map)) throw new PyError('TypeError', 'additional_args must be a dict or None');
  const rewrite = (v: PyValue): PyValue => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v instanceof Map) {
      if (v.has(COUPLING_KEY)) {
        const out = new Map<string, PyValue>();
        for (const keep of ['net', 'mask']) if (v.has(keep)) out.set(keep, deepCopy(v.get(keep) as PyValue));
        out.set(COUPLING_KEY, `nflows.transforms.${couplingName}`);
        if (additionalArgs !== null) for (const [k, x] of additionalArgs) out.set(k, deepCopy(x));
        return out;
      }
      const out = new Map<string, PyValue>();
      for (const [k, x] of v) out.set(k, rewrite(x));
      return out;
    }
    return deepCopy(v);
  };
  return rewrite(conf);
}

/** `{dataset: 'dgm-generated', dgm_args: {model_loading_config: conf.base_model, seed: 10, length: 1000}}`. */
export function getGeneratedConfig(conf: PyValue): PyValue {
  return new Map<string, PyValue>([
    ['dataset', 'dgm-generated'],
    [
      'dgm_args',
      new Map<string, PyValue>([
        ['model_loading_config', getItem(conf, 'base_model')],
        ['seed', 10],
        ['length', 1000],
      ]),
    ],
  ]);
}

function lastSegment(v: PyValue, what: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', `${what} must be a string, not ${pyStr(v)}`);
  return v.split('.').pop() as string;
}

function firstCouplingClass(v: PyValue): PyValue | undefined {
  if (v instanceof Map) {
    for (const [k, x] of v) {
      if (k === COUPLING_KEY) return x;
      const found = firstCouplingClass(x);
      if (found !== undefined) return found;
    }
  } else if (Array.isArray(v)) {
    for (const x of v) {
      const found = firstCouplingClass(x);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Training runs: `<Coupling>_<dataset>_<name>` (flows), `diffusion_<Model>_<dataset>_<name>`, or `<dataset>_<name>`.
 * dgm-ood extension: a flow given as one of our presets (`model: {preset: …}`, no coupling class in the
 * config) is named `<preset>_<dataset>_<name>` instead of failing.
 */
export function changeName(conf: PyValue, runName: PyValue): string {
  const tagGroup = getItem(getItem(getItem(conf, 'trainer'), 'writer'), 'tag_group');
  const dataset = pyStr(getItem(getItem(conf, 'data'), 'dataset'));
  const name = pyStr(runName);
  if (tagGroup === 'flow') {
    const cls = firstCouplingClass(conf);
    const model = conf instanceof Map ? conf.get('model') : undefined;
    const preset = model instanceof Map ? model.get('preset') : undefined;
    if (cls === undefined && typeof preset === 'string') return `${preset}_${dataset}_${name}`;
    if (cls === undefined) throw new PyError('KeyError', `'${COUPLING_KEY}' (no coupling layer found in the flow config)`);
    return `${lastSegment(cls, COUPLING_KEY)}_${dataset}_${name}`;
  }
  if (tagGroup === 'diffusion') {
    // Our presets have no class_path: the preset names the run, as for flows.
    const model = conf instanceof Map ? conf.get('model') : undefined;
    const preset = model instanceof Map ? model.get('preset') : undefined;
    if (typeof preset === 'string' && !(model instanceof Map && model.has('class_path'))) return `diffusion_${preset}_${dataset}_${name}`;
    return `diffusion_${lastSegment(getItem(getItem(conf, 'model'), 'class_path'), 'model.class_path')}_${dataset}_${name}`;
  }
  return `${dataset}_${name}`;
}

function shownDataset(side: PyValue): string {
  const args = getItem(side, 'dataloader_args');
  const dataset = getItem(args, 'dataset');
  if (dataset !== 'medmnist') return pyStr(dataset);
  const extra = getItem(args, 'additional_dataset_args');
  const align = extra instanceof Map && extra.has('align') ? extra.get('align') : true;
  return `${pyStr(getItem(extra, 'subclass'))}-${align === false || align === null || align === 0 ? 'noalign' : 'align'}`;
}

/** OOD runs: `<in>_vs_<out>_<out.pick_loader>_<name>` (medmnist shown as `<subclass>-align|noalign`). */
export function oodRunNameChanger(conf: PyValue, runName: PyValue): string {
  const data = getItem(conf, 'data');
  const inside = getItem(data, 'in_distribution');
  const outside = getItem(data, 'out_of_distribution');
  return `${shownDataset(inside)}_vs_${shownDataset(outside)}_${pyStr(getItem(outside, 'pick_loader'))}_${pyStr(runName)}`;
}

export const META_CONFIGURATIONS_MODULE = new PyModule(
  'meta_configurations',
  new Map<string, PyValue>([
    ['change_coupling_layers', new BuiltinFunction('change_coupling_layers', ['conf', 'coupling_name', 'additional_args'], ([c, n, a]) => changeCouplingLayers(c as PyValue, n as PyValue, a as PyValue), { defaults: [null] })],
    ['get_generated_config', new BuiltinFunction('get_generated_config', ['conf'], ([c]) => getGeneratedConfig(c as PyValue))],
    ['change_name', new BuiltinFunction('change_name', ['conf', 'run_name'], ([c, n]) => changeName(c as PyValue, n as PyValue))],
    ['ood_run_name_changer', new BuiltinFunction('ood_run_name_changer', ['conf', 'run_name'], ([c, n]) => oodRunNameChanger(c as PyValue, n as PyValue))],
  ]),
);
