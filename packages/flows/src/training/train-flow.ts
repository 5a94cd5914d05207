import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import {
  checkpointOptimizerState,
  readCheckpoint,
  restoreModel,
  saveCheckpoint,
  type SavedCheckpoint,
  type TrainingProgressState,
} from '../checkpoint.js';
import { FlowError } from '../errors.js';
import type { FlowModel } from '../model.js';
import { deriveSeed } from '../random.js';
import { ActNorm } from '../transforms/actnorm.js';
import { nllToBitsPerDim } from '../units.js';
import { AdamW, type AdamWConfig } from './adamw.js';
import { batchesFor, batchTensor, iterate, knownLength, type BatchSource } from './batches.js';
import { clipGradNorm } from './clip-grad-norm.js';
import { ExponentialEpochSchedule } from './lr-schedule.js';

export interface TrainProgress {
  phase: 'train' | 'valid';
  /** 0-based epoch being run. */
  epoch: number;
  maxEpochs: number;
  /** Optimizer steps done so far in total, and in this epoch. */
  step: number;
  stepInEpoch: number;
  stepsPerEpoch: number | null;
  /** Loss of the last step (mean NLL in nats) and in bits/dim. */
  loss: number;
  bitsPerDim: number;
  lr: number;
  gradNorm: number;
  /** Seconds to reach maxEpochs at the current pace (null while unknown). Early stopping can end sooner. */
  etaSeconds: number | null;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number;
  trainBitsPerDim: number;
  validLoss: number | null;
  validBitsPerDim: number | null;
  improved: boolean;
  lr: number;
  seconds: number;
  model: FlowModel;
}

export interface CheckpointEvent {
  kind: 'latest' | 'best_valid';
  manifestPath: string;
  blobPath: string;
  epoch: number;
  globalStep: number;
}

export interface TrainFlowOptions {
  model: FlowModel;
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
  /** Seed of dequantization and dropout noise (per step, so a resumed run draws the same noise). */
  seed?: number;
  /**
   * Split each batch into micro-batches of this size and accumulate their gradients: the same update (the loss
   * is a mean), a fraction of the activation memory (wasm has 4 GB). Default: whole batches.
   */
  microBatchSize?: number;
  /** Validation in training mode (dropout, fresh noise) as the reference does (QUIRK), or in eval mode. */
  validationMode?: 'train' | 'eval';
  /** Steps per epoch, for the ETA when the training source has no length. */
  stepsPerEpoch?: number;
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Report progress every N steps (default 1). */
  progressEverySteps?: number;
  onEpochEnd?: (s: EpochSummary) => void | Promise<void>;
  /** A checkpoint was committed (to register it as an artifact). */
  onCheckpoint?: (c: CheckpointEvent) => void | Promise<void>;
  /** Abort: `latest` is saved at the next step boundary and trainFlow returns with stopReason 'aborted'. */
  signal?: AbortSignal;
}

export interface TrainFlowResult {
  stopReason: 'max_epochs' | 'early_stopping' | 'aborted';
  epochsCompleted: number;
  globalStep: number;
  bestValidLoss: number | null;
  bestEpoch: number | null;
  resumedFrom: { epoch: number; stepInEpoch: number; globalStep: number } | null;
  history: TrainingProgressState['history'];
  checkpoints: { latest: string | null; bestValid: string | null };
}

/**
 * Train a flow by maximum likelihood (algorithms.md §2.3): AdamW, ExponentialLR per epoch, global-norm
 * clipping, validation NLL each epoch, `best_valid` on improvement, `latest` every epoch (and every N steps),
 * early stopping with patience (then the best weights are reloaded), exact resume from `latest`.
 * A non-finite loss or gradient norm throws FlowError FLOWS_NONFINITE_LOSS / FLOWS_NONFINITE_GRADIENT
 * (retryable: false) with the epoch, the step, the batch index and the last finite loss.
 */
export async function trainFlow(opts: TrainFlowOptions): Promise<TrainFlowResult> {
  const { model, maxEpochs } = opts;
  const ckptDir = `${opts.workdir}/checkpoints`;
  const seed = opts.seed ?? 0;
  const dim = model.dim;
  const dequantize = model.spec.dataTransform.dequantize;
  const optimizer = new AdamW(model.namedParameters(), opts.optimizer);
  const schedule = new ExponentialEpochSchedule(optimizer.config.lr, opts.lrGamma ?? null);
  const maxGradNorm = opts.maxGradNorm === undefined ? 1.0 : opts.maxGradNorm;
  const validationMode = opts.validationMode ?? 'train';
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
  let resumedFrom: TrainFlowResult['resumedFrom'] = null;
  const checkpoints: TrainFlowResult['checkpoints'] = { latest: null, bestValid: null };

  try {
    if (opts.resume ?? true) {
      const latest = await readCheckpoint(ckptDir, 'latest');
      if (latest) {
        restoreModel(model, latest);
        const optState = checkpointOptimizerState(latest);
        if (optState) optimizer.setState(optState);
        if (latest.manifest.schedule) schedule.setState(latest.manifest.schedule);
        if (latest.manifest.training) state = { ...latest.manifest.training, history: [...latest.manifest.training.history] };
        checkpoints.latest = latest.manifestPath;
        if (await readCheckpoint(ckptDir, 'best_valid')) checkpoints.bestValid = `${ckptDir}/best_valid.json`;
        resumedFrom = { epoch: state.epoch, stepInEpoch: state.stepInEpoch, globalStep: state.globalStep };
        // A finished run is not trained again (a retried attempt of a completed job), unless it stopped at
        // max epochs and is now asked for more.
        if (state.finished && !(state.stopReason === 'max_epochs' && state.epoch < maxEpochs)) {
          return result((state.stopReason ?? 'max_epochs') as TrainFlowResult['stopReason']);
        }
        state.finished = false;
        state.stopReason = null;
      }
    }

    const save = async (kind: 'latest' | 'best_valid'): Promise<SavedCheckpoint> => {
      const saved = await saveCheckpoint(ckptDir, kind, {
        model,
        optimizer: { config: optimizer.config, state: await optimizer.getState() },
        schedule: schedule.getState(),
        training: state,
      });
      if (kind === 'latest') checkpoints.latest = saved.manifestPath;
      else checkpoints.bestValid = saved.manifestPath;
      await opts.onCheckpoint?.({ kind, manifestPath: saved.manifestPath, blobPath: saved.blobPath, epoch: state.epoch, globalStep: state.globalStep });
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
      for await (const batch of iterate(batchesFor(opts.data.train, epoch))) {
        if (batchIndex < skip) {
          batchIndex++;
          continue;
        }
        if (opts.signal?.aborted) {
          await save('latest');
          return result('aborted');
        }
        const t0 = performance.now();
        const { x, owned } = batchTensor(batch, `training batch ${batchIndex} of epoch ${epoch}`);
        let loss: number;
        let gradNorm: number;
        try {
          ({ loss, gradNorm } = await trainStep(x, epoch, batchIndex));
        } finally {
          if (owned) x.dispose();
        }
        lossSum += loss;
        lossCount++;
        batchIndex++;
        state.stepInEpoch = batchIndex;
        state.globalStep++;
        state.lastFiniteLoss = loss;
        const dt = (performance.now() - t0) / 1000;
        secondsPerStep = secondsPerStep === null ? dt : 0.9 * secondsPerStep + 0.1 * dt;
        if (opts.onProgress && state.globalStep % (opts.progressEverySteps ?? 1) === 0) {
          await opts.onProgress({
            phase: 'train',
            epoch,
            maxEpochs,
            step: state.globalStep,
            stepInEpoch: state.stepInEpoch,
            stepsPerEpoch,
            loss,
            bitsPerDim: nllToBitsPerDim(loss, dim, { dequantize }),
            lr: schedule.lr,
            gradNorm,
            etaSeconds: eta(),
          });
        }
        if (opts.checkpointEverySteps && state.globalStep % opts.checkpointEverySteps === 0) await save('latest');
        // Let timers (lock renewal, progress writes) run between steps.
        await new Promise((r) => setImmediate(r));
      }
      if (stepsPerEpoch === null) stepsPerEpoch = batchIndex;
      if (batchIndex === 0) throw new FlowError('FLOWS_DATA_INVALID', `the training data of epoch ${epoch} has no batches`, { epoch });

      // Epoch boundary.
      state.epoch = epoch + 1;
      state.stepInEpoch = 0;
      const trainLoss = lossCount > 0 ? lossSum / lossCount : NaN;
      const validLoss = opts.data.valid ? await validate(epoch) : null;
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
      await opts.onEpochEnd?.({
        epoch,
        trainLoss,
        trainBitsPerDim: nllToBitsPerDim(trainLoss, dim, { dequantize }),
        validLoss,
        validBitsPerDim: validLoss === null ? null : nllToBitsPerDim(validLoss, dim, { dequantize }),
        improved,
        lr: schedule.lr,
        seconds,
        model,
      });
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
  }

  function result(stopReason: TrainFlowResult['stopReason']): TrainFlowResult {
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

  async function trainStep(x: tf.Tensor4D, epoch: number, batchIndex: number): Promise<{ loss: number; gradNorm: number }> {
    const stepSeed = deriveSeed(seed, state.globalStep);
    const b = x.shape[0];
    const micro = Math.min(opts.microBatchSize ?? b, b);
    const params = model.namedParameters();
    const nameOf = new Map(params.map(([n, v]) => [v.name, n] as const));
    // Split batches: initialise ActNorms on the whole first batch (as the reference does) before the first
    // micro-batch, so the initialisation does not depend on the micro-batch size.
    if (micro < b && hasUninitialisedActNorm(model)) tf.tidy(() => void model.logProb(x, { training: true, seed: deriveSeed(stepSeed, 0xac7) }));
    let grads = new Map<string, tf.Tensor>();
    const lossParts: tf.Scalar[] = [];
    for (let start = 0, part = 0; start < b; start += micro, part++) {
      const size = Math.min(micro, b - start);
      const xs = size === b ? x : tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
      const partSeed = micro < b ? deriveSeed(stepSeed, part) : stepSeed;
      const { value, grads: g } = tf.variableGrads(() => tf.mul(model.loss(xs, { training: true, seed: partSeed }), size / b) as tf.Scalar, params.map(([, v]) => v));
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
    const clipped = clipGradNorm(grads, maxGradNorm);
    grads = clipped.grads;
    const both = tf.stack([lossT, clipped.totalNorm]);
    const [loss, gradNorm] = Array.from(await both.data()) as [number, number];
    both.dispose();
    lossT.dispose();
    clipped.totalNorm.dispose();
    try {
      const details = { epoch, step: state.globalStep, batchIndex, lastFiniteLoss: state.lastFiniteLoss };
      if (!Number.isFinite(loss)) {
        throw new FlowError(
          'FLOWS_NONFINITE_LOSS',
          `non-finite training loss (${loss}) at epoch ${epoch}, step ${state.globalStep}, batch ${batchIndex}; last finite loss ${state.lastFiniteLoss ?? 'none'}`,
          details,
        );
      }
      if (!Number.isFinite(gradNorm)) {
        throw new FlowError(
          'FLOWS_NONFINITE_GRADIENT',
          `non-finite gradient norm (${gradNorm}) at epoch ${epoch}, step ${state.globalStep}, batch ${batchIndex} (loss ${loss}); last finite loss ${state.lastFiniteLoss ?? 'none'}`,
          { ...details, loss },
        );
      }
      optimizer.apply(grads, schedule.lr);
      schedule.afterOptimizerStep(epoch);
    } finally {
      for (const g of grads.values()) g.dispose();
    }
    return { loss, gradNorm };
  }

  async function validate(epoch: number): Promise<number> {
    let total = 0;
    let count = 0;
    let index = 0;
    for await (const batch of iterate(batchesFor(opts.data.valid!, epoch))) {
      const { x, owned } = batchTensor(batch, `validation batch ${index} of epoch ${epoch}`);
      try {
        const lp = model.logProb(x, { training: validationMode === 'train', seed: deriveSeed(seed, 0x7a11d, epoch, index) });
        const sum = tf.sum(lp);
        const s = (await sum.data())[0]!;
        sum.dispose();
        lp.dispose();
        total -= s;
        count += x.shape[0];
      } finally {
        if (owned) x.dispose();
      }
      index++;
    }
    if (count === 0) throw new FlowError('FLOWS_DATA_INVALID', `the validation data of epoch ${epoch} has no batches`, { epoch });
    const mean = total / count;
    if (!Number.isFinite(mean)) {
      throw new FlowError('FLOWS_NONFINITE_LOSS', `non-finite validation loss (${mean}) after epoch ${epoch}; last finite training loss ${state.lastFiniteLoss ?? 'none'}`, {
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

function hasUninitialisedActNorm(model: FlowModel): boolean {
  return model.modules().some((m) => m instanceof ActNorm && !m.initialized);
}
