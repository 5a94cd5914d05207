import { DeterministicJobError } from '@dgm-ood/jobs';
import type { AnyModelFamily } from '@dgm-ood/models';
import type { AnyOodMethod } from './contract.js';
import { UNAVAILABLE_METHODS } from './unavailable-methods.js';

/**
 * The OOD methods a deployment has registered. One class path may be served by several methods (the reference
 * uses `ood.intrinsic_dimension.LID_OOD` for flows and diffusion alike): the model's family decides, by the
 * capabilities each method requires.
 */
export class MethodRegistry {
  private readonly methods: AnyOodMethod[] = [];

  constructor(methods: readonly AnyOodMethod[] = []) {
    for (const m of methods) this.register(m);
  }

  register(method: AnyOodMethod): this {
    if (this.methods.some((m) => m.id === method.id)) throw new Error(`OOD method ${method.id} is registered twice`);
    this.methods.push(method);
    return this;
  }

  get all(): readonly AnyOodMethod[] {
    return this.methods;
  }

  /** Every class path (and short name) some registered method answers to, older ones included. */
  knownClassPaths(): string[] {
    return this.methods.flatMap((m) => [...m.classPaths, ...Object.keys(m.olderClassPaths ?? {})]);
  }

  /** The methods answering to a class path; a located error naming it when none does. */
  candidates(classPath: string): AnyOodMethod[] {
    const found = this.methods.filter((m) => m.classPaths.includes(classPath) || (m.olderClassPaths && classPath in m.olderClassPaths));
    if (found.length > 0) return found;
    const why = UNAVAILABLE_METHODS[classPath];
    throw new DeterministicJobError(
      why
        ? `config ood.method: ${classPath} is not available: ${why}`
        : `config ood.method: ${classPath} is not a known OOD method (implemented: ${this.methods.map((m) => `${m.id} = ${m.classPaths.join(' | ')}`).join('; ')})`,
    );
  }

  /**
   * The method for a class path and a model family (undefined family: the model is not known yet, e.g. a
   * checkpoint directory; the first candidate then). A located error when the family cannot serve it.
   */
  resolve(classPath: string, family?: Pick<AnyModelFamily, 'name' | 'capabilities'>): AnyOodMethod {
    const candidates = this.candidates(classPath);
    if (!family) return candidates[0]!;
    const served = candidates.find((m) => (!m.families || m.families.includes(family.name)) && m.requires.every((c) => family.capabilities.includes(c)));
    if (served) return served;
    const missing = candidates.filter((m) => !m.families || m.families.includes(family.name));
    const elsewhere = candidates.filter((m) => m.families && !m.families.includes(family.name));
    const reasons = [
      ...(missing.length > 0
        ? [`${missing.map((m) => `${m.id} needs ${m.requires.filter((c) => !family.capabilities.includes(c)).join(', ')}`).join('; ')}, which the ${family.name} family does not offer`]
        : []),
      ...elsewhere.map((m) => `${m.id} is defined for ${m.families!.join(', ')} models`),
    ];
    const needs = reasons.join('; ');
    throw new DeterministicJobError(`config ood.method: ${classPath} cannot run on a ${family.name} model (${needs})`);
  }
}
