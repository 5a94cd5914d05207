import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JsonValue, LoadedModel } from './contract.js';
import { ModelError } from './errors.js';
import type { FamilyRegistry } from './registry.js';

export interface TorchModelFiles {
  /** The `torch.save` file. */
  checkpoint: string;
  /** The run's config file (`run_config.json` or YAML; a whole training config or its `model` section)… */
  config?: string;
  /** …or the model section itself. */
  model?: JsonValue;
  /** How the job config names these (e.g. `base_model.checkpoint_dir`), for errors. */
  where?: { checkpoint: string; config: string };
}

export interface ImportedModel extends LoadedModel {
  /** What the family's importer loaded (prefix, tensors, dtypes, …). */
  report: JsonValue;
}

/** The model section of a run config read from a file: the reference's rule (a `model` key wins). */
export function readRunConfig(path: string, where = path): JsonValue {
  if (!existsSync(path)) throw new ModelError('MODELS_CHECKPOINT_MISSING', `${where}: no config file at ${path}`, { path });
  return parseRunConfig(readFileSync(path, 'utf8'), path, where);
}

/** The model section of a run config's text (JSON when `name` ends in .json, else YAML), as readRunConfig. */
export function parseRunConfig(text: string, name: string, where = name): JsonValue {
  const json = extname(name).toLowerCase() === '.json';
  let value: unknown;
  try {
    value = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ModelError('MODELS_SPEC_INVALID', `${where}: ${name} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { path: name });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelError('MODELS_SPEC_INVALID', `${where}: ${name} holds no mapping (a run config with a model section, or the model section itself)`, { path: name });
  }
  const obj = value as Record<string, JsonValue>;
  return 'model' in obj && !('class_path' in obj) ? obj['model']! : (obj as JsonValue);
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A reference PyTorch checkpoint as a model for OOD methods: the family is the one whose `matches` accepts the
 * run's model section, and it must offer `importTorch`. A missing file is a deterministic error naming the
 * path looked for.
 */
export async function importTorchModel(files: TorchModelFiles, registry: FamilyRegistry): Promise<ImportedModel> {
  const where = files.where ?? { checkpoint: 'checkpoint', config: 'config' };
  if (!existsSync(files.checkpoint)) {
    throw new ModelError('MODELS_CHECKPOINT_MISSING', `${where.checkpoint}: no checkpoint file at ${files.checkpoint}`, { path: files.checkpoint });
  }
  let modelConfig: JsonValue;
  if (files.model !== undefined) modelConfig = files.model;
  else if (files.config !== undefined) modelConfig = readRunConfig(files.config, where.config);
  else throw new ModelError('MODELS_SPEC_INVALID', `${where.config}: a PyTorch checkpoint needs the run's config (its model section) to build the model`, {});
  const family = registry.forConfig(modelConfig, files.config ? `${where.config} (${files.config}) model` : where.config);
  if (!family.importTorch) {
    throw new ModelError('MODELS_IMPORT_UNSUPPORTED', `${where.checkpoint}: the ${family.name} family cannot import PyTorch checkpoints`, { family: family.name });
  }
  const sha256 = await sha256OfFile(files.checkpoint);
  const { model, report } = await family.importTorch(files.checkpoint, modelConfig, files.config ? { configSource: files.config } : {});
  try {
    const capabilities = await family.capabilitiesOf(model);
    return {
      family: family.name,
      dataShape: family.dataShape(model.spec),
      capabilities,
      source: { checkpoint: 'imported', weights: 'raw', path: files.checkpoint, sha256 },
      report,
      dispose: () => model.dispose(),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
