import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import {
  readCheckpoint,
  removeOldBlobs,
  restoreModel,
  saveCheckpoint,
  tensorsWithPrefix,
  type JsonValue,
  type LoadedCheckpoint,
  type SavedCheckpoint,
  type TrainableModel,
  type TrainingObjective,
} from '@dgm-ood/models';
import { batchesFor, batchTensor, iterate, knownLength, type BatchSource } from './batches.js';
import { TrainingError } from './errors.js';
import { AdamW, type AdamWConfig } from './optim/adamw.js';
import { clipGradNorm } from './optim/clip-grad-norm.js';
import { WeightEma } from './optim/ema.js';
import { ExponentialEpochSchedule, type EpochScheduleState } from './optim/lr-schedule.js';

export interface TrainingProgressState {
  /** Completed epochs. */
  epoch: number;
  /** Optimizer steps done in the current, unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  globalStep: number;
  bestValidLoss: number | null;
  bestEpoch: number | null;
  badEpochs: number;
  lastFiniteLoss: number | null;
  seed: number;
  finished: boolean;
  stopReason: string | null;
  history: Array<{ epoch: number; trainLoss: number; validLoss: number | null; lr: number; seconds: number }>;
}

/** What the trainer keeps in a checkpoint's `trainer` field (its tensors are `adamw.m:`, `adamw.v:`, `ema:`). */
export interface TrainerCheckpointState {
  optimizer: { type: 'adamw'; config: AdamWConfig; step: number } | null;
  schedule: EpochScheduleState | null;
  progress: TrainingProgressState | null;
  ema: { decay: number } | null;
}

export interface TrainProgress {
  phase: 'train' | 'valid';
  /** 0-based epoch being run. */
  epoch: number;
  maxEpochs: number;
  /** Optimizer steps done so far in total, and in this epoch. */
  step: number;
  stepInEpoch: number;
  stepsPerEpoch: number | null;
  /** Loss of the last step and the objective's metrics of it (e.g. bits/dim). */
  loss: number;
  metrics: Record<string, number>;
  lr: number;
  gradNorm: number;
  /** Seconds to reach maxEpochs at the current pace (null while unknown). Early stopping can end sooner. */
  etaSeconds: number | null;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  validLoss: number | null;
  /** The objective's metrics of the mean train and validation losses, prefixed `train_` and `valid_`. */
  metrics: Record<string, number>;
  improved: boolean;
  lr: number;
  seconds: number;
}

export interface CheckpointEvent {
  kind: 'latest' | 'best_valid';
  manifestPath: string;
  blobPath: string;
  epoch: number;
  globalStep: number;
}

export interface TrainOptions {
  /** The family's name and format version, recorded in every checkpoint. */
  family: { name: string; formatVersion: number };
  model: TrainableModel;
  objective: TrainingObjective;
  data: { train: BatchSource; valid?: BatchSource };
  /** Checkpoints go to `<workdir>/checkpoints/{latest,best_valid}.json` + blobs. */
  workdir: string;
  /** Continue from `latest` when it exists (default true). */
  resume?: boolean;
  maxEpochs: number;
  optimizer?: Partial<AdamWConfig>;
  /** ExponentialLR γ stepped per epoch; null/undefined = constant rate. Reference sweeps: 0.99. */
  lrGamma?: number | null;
  /** Global gradient-norm clipping; null disables. Default 1.0. */
  maxGradNorm?: number | null;
  /** Early-stopping patience in epochs without validation improvement; null = never stop early. */
  patience?: number | null;
  /** Also save `latest` every N optimizer steps (besides every epoch end). */
  checkpointEverySteps?: number;
  /** Seed of the objective's noise (per step, so a resumed run draws the same noise). */
  seed?: number;
  /**
   * Split each batch into micro-batches of this size and accumulate their gradients: the same update (the loss
   * is a mean), a fraction of the activation memory (wasm has 4 GB). Default: whole batches.
   */
  microBatchSize?: number;
  /** Validation in training mode (dropout, fresh noise) as the reference does (QUIRK), or in eval mode. */
  validationMode?: 'train' | 'eval';
  /** EMA of the weights (decay in (0, 1)); null/undefined = off, as in the reference. */
  emaDecay?: number | null;
  /** Steps per epoch, for the ETA when the training source has no length. */
  stepsPerEpoch?: number;
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Called after every optimizer step, whatever progressEverySteps (e.g. to record the metric series). */
  onStep?: (p: TrainProgress) => void;
  /** Report progress every N steps (default 1). */
  progressEverySteps?: number;
  onEpochEnd?: (s: EpochSummary) => void | Promise<void>;
  /** A checkpoint was committed (to register it as an artifact). */
  onCheckpoint?: (c: CheckpointEvent) => void | Promise<void>;
  /** Abort: `latest` is saved at the next step boundary and train returns with stopReason 'aborted'. */
  signal?: AbortSignal;
}

export interface TrainResult {
  stopReason: 'max_epochs' | 'early_stopping' | 'aborted';
  epochsCompleted: number;
  globalStep: number;
  bestValidLoss: number | null;
  bestEpoch: number | null;
  resumedFrom: { epoch: number; stepInEpoch: number; globalStep: number } | null;
  history: TrainingProgressState['history'];
  checkpoints: { latest: string | null; bestValid: string | null };
}

/** The trainer's state stored in a checkpoint (null for a checkpoint that carries none). */
export function trainerState(checkpoint: LoadedCheckpoint): TrainerCheckpointState | null {
  const t = checkpoint.manifest.trainer;
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as unknown as TrainerCheckpointState) : null;
}

/** A training step on its way: its loss and gradient norm still on the device (a [2] tensor), or read. */
interface LaunchedStep {
  epoch: number;
  batchIndex: number;
  /** Its global step number (0-based, before it counts). */
  step: number;
  t0: number;
  /** The learning rate after its update (what progress reports show). */
  lr: number;
  values: tf.Tensor | [number, number];
}

/**
 * Train any model family by minimising its objective: AdamW, ExponentialLR per epoch, global-norm clipping,
 * optional EMA, validation loss each epoch, `best_valid` on improvement, `latest` every epoch (and every N
 * steps), early stopping with patience (then the best weights are reloaded), exact resume from `latest`.
 * A non-finite loss or gradient norm throws a deterministic TrainingError (TRAINING_NONFINITE_LOSS /
 * TRAINING_NONFINITE_GRADIENT) with the epoch, the step, the batch index and the last finite loss.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, objective, maxEpochs } = opts;
  const ckptDir = `${opts.workdir}/checkpoints`;
  const seed = opts.seed ?? 0;
  const params = model.namedParameters();
  const optimizer = new AdamW(params, opts.optimizer);
  const schedule = new ExponentialEpochSchedule(optimizer.config.lr, opts.lrGamma ?? null);
  const ema = opts.emaDecay ? new WeightEma(params, opts.emaDecay) : null;
  const maxGradNorm = opts.maxGradNorm === undefined ? 1.0 : opts.maxGradNorm;
  const validationMode = opts.validationMode ?? 'train';
  const metricsOf = (loss: number) => objective.metrics?.(loss) ?? {};
  let state: TrainingProgressState = {
    epoch: 0,
    stepInEpoch: 0,
    globalStep: 0,
    bestValidLoss: null,
    bestEpoch: null,
    badEpochs: 0,
    lastFiniteLoss: null,
    seed,
    finished: false,
    stopReason: null,
    history: [],
  };
  let resumedFrom: TrainResult['resumedFrom'] = null;
  const checkpoints: TrainResult['checkpoints'] = { latest: null, bestValid: null };
  let firstStepOfRun = true;

  try {
    if (opts.resume ?? true) {
      const latest = await readCheckpoint(ckptDir, 'latest');
      if (latest) {
        restoreModel(model, latest);
        const saved = trainerState(latest);
        if (saved?.optimizer) {
          optimizer.setState({ step: saved.optimizer.step, m: tensorsWithPrefix(latest, 'adamw.m:'), v: tensorsWithPrefix(latest, 'adamw.v:') });
        }
        if (saved?.schedule) schedule.setState(saved.schedule);
        if (saved?.progress) state = { ...saved.progress, history: [...saved.progress.history] };
        if (ema) {
          const values = tensorsWithPrefix(latest, 'ema:');
          // A run that switched EMA on after it started averages from the restored weights.
          if (values.size > 0) ema.setValues(values);
        }
        checkpoints.latest = latest.manifestPath;
        if (await readCheckpoint(ckptDir, 'best_valid')) checkpoints.bestValid = `${ckptDir}/best_valid.json`;
        resumedFrom = { epoch: state.epoch, stepInEpoch: state.stepInEpoch, globalStep: state.globalStep };
        // A finished run is not trained again (a retried attempt of a completed job), unless it stopped at
        // max epochs and is now asked for more.
        if (state.finished && !(state.stopReason === 'max_epochs' && state.epoch < maxEpochs)) {
          return result((state.stopReason ?? 'max_epochs') as TrainResult['stopReason']);
        }
        state.finished = false;
        state.stopReason = null;
      }
    }

    const save = async (kind: 'latest' | 'best_valid'): Promise<SavedCheckpoint> => {
      const optState = await optimizer.getState();
      const extra: Array<[string, { shape: number[]; data: Float32Array }]> = [];
      const emaValues = ema ? await ema.values() : null;
      for (const [name, v] of params) {
        extra.push([`adamw.m:${name}`, { shape: v.shape, data: optState.m.get(name)! }]);
        extra.push([`adamw.v:${name}`, { shape: v.shape, data: optState.v.get(name)! }]);
        if (emaValues) extra.push([`ema:${name}`, { shape: v.shape, data: emaValues.get(name)! }]);
      }
      const trainer: TrainerCheckpointState = {
        optimizer: { type: 'adamw', config: optimizer.config, step: optState.step },
        schedule: schedule.getState(),
        progress: state,
        ema: ema ? { decay: ema.decay } : null,
      };
      const saved = await saveCheckpoint(ckptDir, kind, {
        family: opts.family.name,
        familyFormat: opts.family.formatVersion,
        model,
        extraTensors: extra,
        weights: ema ? 'ema' : 'raw',
        trainer: trainer as unknown as JsonValue,
        keepOldBlobs: true,
      });
      if (kind === 'latest') checkpoints.latest = saved.manifestPath;
      else checkpoints.bestValid = saved.manifestPath;
      await opts.onCheckpoint?.({ kind, manifestPath: saved.manifestPath, blobPath: saved.blobPath, epoch: state.epoch, globalStep: state.globalStep });
      // Only now, with the new checkpoint recorded wherever onCheckpoint copies it, may the old blob go: a kill
      // before this point leaves every recorded manifest with its blob on disk.
      await removeOldBlobs(ckptDir, kind, saved.manifest.blob.file);
      return saved;
    };

    let stepsPerEpoch = opts.stepsPerEpoch ?? knownLength(opts.data.train);
    let secondsPerStep: number | null = null;
    const eta = () =>
      stepsPerEpoch === null || secondsPerStep === null
        ? null
        : secondsPerStep * ((maxEpochs - state.epoch - 1) * stepsPerEpoch + Math.max(0, stepsPerEpoch - state.stepInEpoch));

    while (state.epoch < maxEpochs) {
      const epoch = state.epoch;
      const epochStart = performance.now();
      let lossSum = 0;
      let lossCount = 0;
      let batchIndex = 0;
      const skip = state.stepInEpoch;
      let pending: LaunchedStep | null = null;
      let lastCompletedAt: number | null = null;
      /** Bookkeeping of a launched step once its loss and gradient norm are known (read here if still on the device). */
      const complete = async (launched: LaunchedStep): Promise<void> => {
        const { loss, gradNorm } = await readLaunched(launched);
        lossSum += loss;
        lossCount++;
        state.stepInEpoch = launched.batchIndex + 1;
        state.globalStep++;
        state.lastFiniteLoss = loss;
        const now = performance.now();
        const dt = (now - Math.max(launched.t0, lastCompletedAt ?? launched.t0)) / 1000;
        lastCompletedAt = now;
        secondsPerStep = secondsPerStep === null ? dt : 0.9 * secondsPerStep + 0.1 * dt;
        const report: TrainProgress = {
          phase: 'train',
          epoch,
          maxEpochs,
          step: state.globalStep,
          stepInEpoch: state.stepInEpoch,
          stepsPerEpoch,
          loss,
          metrics: metricsOf(loss),
          lr: launched.lr,
          gradNorm,
          etaSeconds: eta(),
        };
        opts.onStep?.(report);
        if (opts.onProgress && state.globalStep % (opts.progressEverySteps ?? 1) === 0) await opts.onProgress(report);
        if (opts.checkpointEverySteps && state.globalStep % opts.checkpointEverySteps === 0) await save('latest');
        // Let timers (lock renewal, progress writes) run between steps.
        await new Promise((r) => setImmediate(r));
      };
      const drain = async (): Promise<void> => {
        const launched = pending;
        pending = null;
        if (launched !== null) await complete(launched);
      };
      try {
        for await (const batch of iterate(batchesFor(opts.data.train, epoch))) {
          if (batchIndex < skip) {
            batchIndex++;
            continue;
          }
          if (opts.signal?.aborted) {
            await drain();
            await save('latest');
            return result('aborted');
          }
          const t0 = performance.now();
          const { x, owned } = batchTensor(batch, `training batch ${batchIndex} of epoch ${epoch}`);
          let launched: LaunchedStep;
          try {
            launched = await launchStep(x, epoch, batchIndex, state.globalStep + (pending === null ? 0 : 1), t0);
          } finally {
            if (owned) x.dispose();
          }
          batchIndex++;
          // With a device-guarded optimizer the previous step is read only now, with this one already enqueued:
          // the device never waits for the host between steps. One read per step either way.
          await drain();
          pending = launched;
          // Read before the next launch where this step must be seen alone: unguarded updates (already checked),
          // and a checkpoint after this step, which must hold exactly its parameters.
          const checkpointDue = opts.checkpointEverySteps !== undefined && opts.checkpointEverySteps > 0 && (launched.step + 1) % opts.checkpointEverySteps === 0;
          if (!optimizer.guardsNonFinite || checkpointDue) await drain();
        }
        await drain();
      } finally {
        const unread = pending as LaunchedStep | null;
        if (unread !== null && !Array.isArray(unread.values)) unread.values.dispose();
      }
      if (stepsPerEpoch === null) stepsPerEpoch = batchIndex;
      if (batchIndex === 0) throw new TrainingError('TRAINING_DATA_INVALID', `the training data of epoch ${epoch} has no batches`, { epoch });

      // Epoch boundary.
      state.epoch = epoch + 1;
      state.stepInEpoch = 0;
      const trainLoss = lossCount > 0 ? lossSum / lossCount : NaN;
      const validLoss = opts.data.valid ? await (ema ? ema.withAveragedWeights(() => validate(epoch)) : validate(epoch)) : null;
      let improved = false;
      if (validLoss !== null) {
        if (state.bestValidLoss === null || validLoss < state.bestValidLoss) {
          improved = true;
          state.bestValidLoss = validLoss;
          state.bestEpoch = epoch;
          state.badEpochs = 0;
        } else {
          state.badEpochs++;
        }
      }
      const seconds = (performance.now() - epochStart) / 1000;
      state.history.push({ epoch, trainLoss, validLoss, lr: schedule.lr, seconds });
      const earlyStop = opts.patience !== null && opts.patience !== undefined && state.badEpochs >= opts.patience;
      if (earlyStop || state.epoch >= maxEpochs) {
        state.finished = true;
        state.stopReason = earlyStop ? 'early_stopping' : 'max_epochs';
      }
      if (improved) await save('best_valid');
      await save('latest');
      if (opts.signal?.aborted && !state.finished) return result('aborted');
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(metricsOf(trainLoss))) metrics[`train_${k}`] = v;
      if (validLoss !== null) for (const [k, v] of Object.entries(metricsOf(validLoss))) metrics[`valid_${k}`] = v;
      await opts.onEpochEnd?.({ epoch, trainLoss, validLoss, metrics, improved, lr: schedule.lr, seconds });
      if (earlyStop) {
        const best = await readCheckpoint(ckptDir, 'best_valid');
        if (best) restoreModel(model, best);
        return result('early_stopping');
      }
    }
    state.finished = true;
    state.stopReason = 'max_epochs';
    return result('max_epochs');
  } finally {
    optimizer.dispose();
    ema?.dispose();
  }

  function result(stopReason: TrainResult['stopReason']): TrainResult {
    return {
      stopReason,
      epochsCompleted: state.epoch,
      globalStep: state.globalStep,
      bestValidLoss: state.bestValidLoss,
      bestEpoch: state.bestEpoch,
      resumedFrom,
      history: state.history,
      checkpoints,
    };
  }

  /**
   * Enqueues one training step (gradients, clipping, update, EMA) as step number `step`. With a device-guarded
   * optimizer (webgpu) nothing is read: the loss and gradient norm stay on the device for readLaunched. Otherwise
   * they are read and checked before the update, which a non-finite value never reaches.
   */
  async function launchStep(x: tf.Tensor4D, epoch: number, batchIndex: number, step: number, t0: number): Promise<LaunchedStep> {
    const stepSeed = deriveSeed(seed, step);
    const b = x.shape[0];
    const micro = Math.min(opts.microBatchSize ?? b, b);
    const nameOf = new Map(params.map(([n, v]) => [v.name, n] as const));
    // Data-dependent initialisation (e.g. ActNorm) sees the whole first batch, whatever the micro-batch size.
    if (firstStepOfRun && objective.beforeFirstStep) tf.tidy(() => objective.beforeFirstStep!(x, { training: true, seed: deriveSeed(stepSeed, 0xac7) }));
    firstStepOfRun = false;
    let grads = new Map<string, tf.Tensor>();
    const lossParts: tf.Scalar[] = [];
    for (let start = 0, part = 0; start < b; start += micro, part++) {
      const size = Math.min(micro, b - start);
      const xs = size === b ? x : tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
      const partSeed = micro < b ? deriveSeed(stepSeed, part) : stepSeed;
      const { value, grads: g } = tf.variableGrads(
        () => tf.mul(objective.loss(xs, { training: true, seed: partSeed }), size / b) as tf.Scalar,
        params.map(([, v]) => v),
      );
      if (xs !== x) xs.dispose();
      lossParts.push(value);
      for (const [vname, gv] of Object.entries(g)) {
        const name = nameOf.get(vname)!;
        const prev = grads.get(name);
        if (prev) {
          grads.set(name, tf.add(prev, gv));
          prev.dispose();
          gv.dispose();
        } else grads.set(name, gv);
      }
    }
    const lossT = tf.addN(lossParts) as tf.Scalar;
    lossParts.forEach((l) => l.dispose());
    const lr = schedule.lr;
    if (optimizer.guardsNonFinite) {
      let values: tf.Tensor;
      try {
        values = optimizer.clipApplyAndReport(grads, lr, maxGradNorm, lossT);
      } finally {
        lossT.dispose();
        for (const g of grads.values()) g.dispose();
      }
      schedule.afterOptimizerStep(epoch);
      ema?.update();
      return { epoch, batchIndex, step, t0, lr: schedule.lr, values };
    }
    const clipped = clipGradNorm(grads, maxGradNorm);
    grads = clipped.grads;
    const both = tf.stack([lossT, clipped.totalNorm]);
    const [loss, gradNorm] = Array.from(await both.data()) as [number, number];
    both.dispose();
    lossT.dispose();
    clipped.totalNorm.dispose();
    const launched: LaunchedStep = { epoch, batchIndex, step, t0, lr, values: [loss, gradNorm] };
    try {
      checkFinite(launched, loss, gradNorm);
      optimizer.apply(grads, lr);
      schedule.afterOptimizerStep(epoch);
      launched.lr = schedule.lr;
      ema?.update();
    } finally {
      for (const g of grads.values()) g.dispose();
    }
    return launched;
  }

  /** The launched step's loss and gradient norm, read from the device if need be, and checked. */
  async function readLaunched(launched: LaunchedStep): Promise<{ loss: number; gradNorm: number }> {
    if (Array.isArray(launched.values)) return { loss: launched.values[0], gradNorm: launched.values[1] };
    const t = launched.values;
    const [loss, gradNorm] = Array.from(await t.data()) as [number, number];
    t.dispose();
    launched.values = [loss, gradNorm];
    checkFinite(launched, loss, gradNorm);
    return { loss, gradNorm };
  }

  function checkFinite(launched: LaunchedStep, loss: number, gradNorm: number): void {
    const { epoch, step, batchIndex } = launched;
    const details = { epoch, step, batchIndex, lastFiniteLoss: state.lastFiniteLoss };
    if (!Number.isFinite(loss)) {
      throw new TrainingError(
        'TRAINING_NONFINITE_LOSS',
        `non-finite training loss (${loss}) at epoch ${epoch}, step ${step}, batch ${batchIndex}; last finite loss ${state.lastFiniteLoss ?? 'none'}`,
        details,
      );
    }
    if (!Number.isFinite(gradNorm)) {
      throw new TrainingError(
        'TRAINING_NONFINITE_GRADIENT',
        `non-finite gradient norm (${gradNorm}) at epoch ${epoch}, step ${step}, batch ${batchIndex} (loss ${loss}); last finite loss ${state.lastFiniteLoss ?? 'none'}`,
        { ...details, loss },
      );
    }
  }

  /** Mean validation loss per example (the objective's loss weighted by batch size). */
  async function validate(epoch: number): Promise<number> {
    let total = 0;
    let count = 0;
    let index = 0;
    for await (const batch of iterate(batchesFor(opts.data.valid!, epoch))) {
      const { x, owned } = batchTensor(batch, `validation batch ${index} of epoch ${epoch}`);
      try {
        const loss = tf.tidy(() => objective.loss(x, { training: validationMode === 'train', seed: deriveSeed(seed, 0x7a11d, epoch, index) }));
        total += (await loss.data())[0]! * x.shape[0];
        loss.dispose();
        count += x.shape[0];
      } finally {
        if (owned) x.dispose();
      }
      index++;
    }
    if (count === 0) throw new TrainingError('TRAINING_DATA_INVALID', `the validation data of epoch ${epoch} has no batches`, { epoch });
    const mean = total / count;
    if (!Number.isFinite(mean)) {
      throw new TrainingError('TRAINING_NONFINITE_LOSS', `non-finite validation loss (${mean}) after epoch ${epoch}; last finite training loss ${state.lastFiniteLoss ?? 'none'}`, {
        epoch,
        step: state.globalStep,
        batchIndex: null,
        phase: 'valid',
        lastFiniteLoss: state.lastFiniteLoss,
      });
    }
    return mean;
  }
}
