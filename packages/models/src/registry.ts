import type { AnyModelFamily, JsonValue } from './contract.js';
import { ModelError } from './errors.js';

/** The model families a deployment has registered, looked up by a config's model section or by name. */
export class FamilyRegistry {
  private readonly byName = new Map<string, AnyModelFamily>();

  constructor(families: readonly AnyModelFamily[] = []) {
    for (const family of families) this.register(family);
  }

  register(family: AnyModelFamily): this {
    if (this.byName.has(family.name)) throw new Error(`model family ${family.name} is registered twice`);
    this.byName.set(family.name, family);
    return this;
  }

  get families(): AnyModelFamily[] {
    return [...this.byName.values()];
  }

  /** The family named in a checkpoint; a located error when this deployment has none of that name. */
  byFamilyName(name: string, where: string): AnyModelFamily {
    const family = this.byName.get(name);
    if (!family) {
      throw new ModelError('MODELS_UNKNOWN_FAMILY', `${where}: model family ${JSON.stringify(name)} is not registered here (known: ${this.names()})`, { family: name });
    }
    return family;
  }

  /** The family whose `matches` accepts this model section, or undefined. */
  find(modelConfig: JsonValue | undefined): AnyModelFamily | undefined {
    return this.families.find((f) => f.matches(modelConfig));
  }

  /** Like find, but a located error naming what was seen when no family matches. */
  forConfig(modelConfig: JsonValue | undefined, path: string): AnyModelFamily {
    const family = this.find(modelConfig);
    if (family) return family;
    const seen =
      modelConfig !== null && typeof modelConfig === 'object' && !Array.isArray(modelConfig)
        ? (['class_path', 'preset', 'format'] as const).map((k) => (typeof modelConfig[k] === 'string' ? `${k} ${modelConfig[k] as string}` : null)).filter(Boolean).join(', ') || 'no class_path'
        : JSON.stringify(modelConfig ?? null);
    throw new ModelError('MODELS_UNKNOWN_FAMILY', `config ${path}: no registered model family builds this model (${seen}; families: ${this.names()})`, { path });
  }

  private names(): string {
    return [...this.byName.keys()].join(', ') || 'none';
  }
}
