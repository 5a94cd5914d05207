/**
 * The one `ood` job handler, for every registered method and model family. This module loads no tensor
 * library: the worker and the coordinator import it; scoring is imported when a job runs.
 */
import { ConfigReader, configProblemOf, valueAt, type ConfigProblem, type JobHandler, type JsonValue } from '@dgm-ood/jobs';
import type { AnyModelFamily, FamilyRegistry } from '@dgm-ood/models';
import type { AnyOodMethod } from './contract.js';
import { isOodConfig, readModelSource, readOodPlan, type ModelSource, type OodPlan } from './ood-plan.js';
import type { MethodRegistry } from './registry.js';

export interface CheckedOodConfig {
  plan: OodPlan;
  source: ModelSource;
  method: AnyOodMethod;
  methodPlan: unknown;
}

/**
 * Every check a worker would make before scoring, collected rather than thrown one at a time: the common plan,
 * the model source, the method for the model's family (when the family is known) and the method's arguments.
 */
export function checkOodConfig(
  config: JsonValue,
  methods: MethodRegistry,
  family?: Pick<AnyModelFamily, 'name' | 'capabilities'>,
): { ok: true; checked: CheckedOodConfig } | { ok: false; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      problems.push(configProblemOf(error));
      return undefined;
    }
  };
  const plan = attempt(() => readOodPlan(config));
  const source = attempt(() => readModelSource(config));
  // The method is checked even when other parts of the plan are wrong, so every problem shows at once.
  const classPath = valueAt(config, 'ood.method');
  let method = typeof classPath === 'string' ? attempt(() => methods.resolve(classPath, family)) : undefined;
  let methodPlan: unknown;
  if (method && !family && typeof classPath === 'string') {
    // The model's family is not known before a worker loads it (a checkpoint file, a reference): one class path
    // may be served by several methods (LID_OOD for flows and for diffusion), so the arguments must fit one of them.
    const fits = methods.candidates(classPath).flatMap((m) => {
      try {
        return [{ m, plan: m.readPlan(new ConfigReader(config, 'ood.method_args')) as unknown }];
      } catch {
        return [];
      }
    });
    if (fits.length > 0) [method, methodPlan] = [fits[0]!.m, fits[0]!.plan];
    else methodPlan = attempt(() => method!.readPlan(new ConfigReader(config, 'ood.method_args')));
  } else if (method) {
    methodPlan = attempt(() => method!.readPlan(new ConfigReader(config, 'ood.method_args')));
  }
  if (problems.length > 0 || !plan || !source || !method) return { ok: false, problems };
  return { ok: true, checked: { plan, source, method, methodPlan } };
}

export function createOodHandler(families: FamilyRegistry, methods: MethodRegistry): JobHandler {
  return {
    name: 'ood',
    kind: 'ood',
    matches: isOodConfig,
    async run(ctx) {
      // The same reads as at submission, thrown one at a time (deterministic: a retry cannot fix a config).
      const plan = readOodPlan(ctx.job.config);
      const source = readModelSource(ctx.job.config);
      methods.candidates(plan.classPath);
      const { runOod } = await import('./run-ood.js');
      // The method is chosen among the class path's candidates once the checkpoint names the model's family.
      return runOod(ctx, { plan, source, methods, families });
    },
  };
}
