/**
 * The OOD-method contract: what one method file implements so that the generic OOD runner scores points with
 * it. Methods say which model capabilities they need; routing is by (method class path, model family).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageArray } from '@dgm-ood/data';
import type { ScoreSchema } from '@dgm-ood/evaluation';
import type { ConfigReader, JobLogger, JsonValue } from '@dgm-ood/jobs';
import type { CapabilityName, LoadedModel } from '@dgm-ood/models';

/** What a calibration may use besides the model. */
export interface CalibrationContext {
  /** The model's in-distribution dataset name and its training pool (loaded on first call). */
  inDistribution: string;
  trainingData(): Promise<ImageArray>;
  /** The OOD config's seed. */
  seed: number;
  progress(message: string): Promise<void>;
  signal: AbortSignal;
  log: JobLogger;
}

/** One point to score: its raw NHWC image [1, H, W, C], its index in the scored set, and its seeds. */
export interface ScoredPoint {
  image: tf.Tensor4D;
  index: number;
  /**
   * A seed of this point for the given stream (noise of one computation), the same on every attempt. Streams are
   * 1 and 2 (others would meet a neighbouring point's): derive further seeds from one of them.
   */
  seed(stream: number): number;
}

export interface OodMethod<Plan = unknown, Calibration extends JsonValue = JsonValue> {
  /** Our name of the method (stored with each job's scores), e.g. `likelihood`, `lid`. */
  id: string;
  /** The reference's class paths this method answers to (and our short names). */
  classPaths: readonly string[];
  /**
   * Older reference class paths mapped onto this method because their `method_args` describe the same
   * computation; the value says why (shown in docs and submission warnings).
   */
  olderClassPaths?: Readonly<Record<string, string>>;
  /** Model capabilities the method needs; a model family without them cannot serve it. */
  requires: readonly CapabilityName[];
  /** The model families it runs on, when not every family with those capabilities (e.g. baselines defined on flows). */
  families?: readonly string[];
  /** Validated method arguments; `args` reads `ood.method_args`, every problem a located error. */
  readPlan(args: ConfigReader): Plan;
  /** The scores it writes per point and how they combine; a function of the plan when its arguments name them. */
  scores: ScoreSchema | ((plan: Plan) => ScoreSchema);
  /** Optional calibration, computed once per (model, key) and cached, so the OOD jobs of one model share it. */
  calibration?: {
    /** Everything the calibration depends on besides the model (canonical JSON makes the cache key). */
    key(plan: Plan, inDistribution: string): JsonValue;
    run(model: LoadedModel, plan: Plan, ctx: CalibrationContext): Promise<Calibration>;
    describe(calibration: Calibration): string;
  };
  /**
   * Models besides `base_model` the method scores with (e.g. the likelihood ratio's background model): role → the
   * config path naming it, in any form `base_model` may take. The runner loads them and passes them to `score`.
   */
  models?(plan: Plan): Readonly<Record<string, string>>;
  /** Named scores of one point (every name of `scores`); `others` holds the models of `models`, by role. */
  score(model: LoadedModel, point: ScoredPoint, plan: Plan, calibration: Calibration | null, others: Readonly<Record<string, LoadedModel>>): Promise<Record<string, number>>;
  /** Extra fields for the job summary (timings, estimator), from the plan and calibration. */
  summary?(plan: Plan, calibration: Calibration | null): { [key: string]: JsonValue };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOodMethod = OodMethod<any, any>;

/** The score schema of a method under a plan. */
export function scoreSchemaOf<Plan>(method: OodMethod<Plan, never> | AnyOodMethod, plan: Plan): ScoreSchema {
  return typeof method.scores === 'function' ? method.scores(plan) : method.scores;
}
