import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyModelFamily, JsonValue } from './contract.js';
import { ModelError } from './errors.js';
import { importTorchModel, readRunConfig } from './import-torch-model.js';
import { FamilyRegistry } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'import-torch-model-'));
const checkpoint = join(dir, 'de_nf_best_valid.pt');
writeFileSync(checkpoint, 'not read by the fake family');

/** A family that records what it was asked to import (the real importers have their own tests). */
function fakeFamily(calls: Array<{ checkpoint: string; model: JsonValue; configSource?: string }>, withImport = true): AnyModelFamily {
  return {
    name: 'fake',
    formatVersion: 1,
    capabilities: [],
    matches: (m: JsonValue) => typeof m === 'object' && m !== null && !Array.isArray(m) && m['class_path'] === 'x.Fake',
    readSpec: () => ({}),
    validateSpec: (s: unknown) => s,
    build: async () => undefined,
    objective: () => undefined,
    capabilitiesOf: async () => ({}),
    dataShape: () => [1, 2, 2],
    ...(withImport
      ? {
          importTorch: async (c: string, model: JsonValue, o: { configSource?: string }) => {
            calls.push({ checkpoint: c, model, ...o });
            return { model: { spec: {}, dispose: () => undefined }, report: { tensors: 3 } };
          },
        }
      : {}),
  } as unknown as AnyModelFamily;
}

const MODEL = { class_path: 'x.Fake', init_args: { width: 2 } };

describe('importTorchModel', () => {
  it('reads the model section of a run_config.json, picks the family that matches it and hashes the file', async () => {
    const config = join(dir, 'run_config.json');
    writeFileSync(config, JSON.stringify({ data: {}, model: MODEL }));
    const calls: Array<{ checkpoint: string; model: JsonValue; configSource?: string }> = [];
    const loaded = await importTorchModel({ checkpoint, config }, new FamilyRegistry([fakeFamily(calls)]));
    expect(calls).toEqual([{ checkpoint, model: MODEL, configSource: config }]);
    expect(loaded).toMatchObject({ family: 'fake', dataShape: [1, 2, 2], report: { tensors: 3 }, source: { checkpoint: 'imported', weights: 'raw', path: checkpoint } });
    expect(loaded.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes a YAML model section as it is, and an inline model section', async () => {
    const yaml = join(dir, 'model.yaml');
    writeFileSync(yaml, 'class_path: x.Fake\ninit_args: {width: 2}\n');
    expect(readRunConfig(yaml)).toEqual(MODEL);
    const calls: Array<{ checkpoint: string; model: JsonValue }> = [];
    await importTorchModel({ checkpoint, model: MODEL }, new FamilyRegistry([fakeFamily(calls)]));
    expect(calls[0]!.model).toEqual(MODEL);
  });

  it('names the path it looked for when the checkpoint or the config is missing', async () => {
    const registry = new FamilyRegistry([fakeFamily([])]);
    const where = { checkpoint: 'config base_model.checkpoint_dir', config: 'config base_model.config_dir' };
    const missing = await importTorchModel({ checkpoint: join(dir, 'nope.pt'), model: MODEL, where }, registry).catch((e: unknown) => e as ModelError);
    expect(missing).toMatchObject({ code: 'MODELS_CHECKPOINT_MISSING', deterministic: true });
    expect((missing as ModelError).message).toBe(`config base_model.checkpoint_dir: no checkpoint file at ${join(dir, 'nope.pt')}`);
    const noConfig = await importTorchModel({ checkpoint, config: join(dir, 'none.json'), where }, registry).catch((e: unknown) => e as ModelError);
    expect((noConfig as ModelError).message).toBe(`config base_model.config_dir: no config file at ${join(dir, 'none.json')}`);
  });

  it('refuses a config that is not valid JSON, a model no family builds, and a family without an importer', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"model": ');
    await expect(importTorchModel({ checkpoint, config: bad }, new FamilyRegistry([fakeFamily([])]))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(importTorchModel({ checkpoint, model: { class_path: 'x.VAE' } }, new FamilyRegistry([fakeFamily([])]))).rejects.toMatchObject({ code: 'MODELS_UNKNOWN_FAMILY' });
    await expect(importTorchModel({ checkpoint, model: MODEL }, new FamilyRegistry([fakeFamily([], false)]))).rejects.toMatchObject({
      code: 'MODELS_IMPORT_UNSUPPORTED',
      message: 'checkpoint: the fake family cannot import PyTorch checkpoints',
    });
  });
});
