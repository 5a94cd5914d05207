/**
 * ExponentialLR stepped once per epoch, with the reference's timing (model_zoo/two_step.py::train_batch): the
 * scheduler steps *after* the optimizer step of the first batch of each new epoch, so that batch still uses
 * the previous epoch's rate. lr = baseLr · γ^(scheduler steps so far). γ = null: constant rate.
 */
export interface EpochScheduleState {
  baseLr: number;
  gamma: number | null;
  /** Scheduler steps taken so far. */
  steps: number;
  /** Epoch of the last optimizer step (null before the first). */
  lastEpoch: number | null;
}

export class ExponentialEpochSchedule {
  private state: EpochScheduleState;

  constructor(baseLr: number, gamma: number | null) {
    if (!(baseLr > 0)) throw new RangeError(`learning rate must be > 0, got ${baseLr}`);
    if (gamma !== null && !(gamma > 0 && gamma <= 1)) throw new RangeError(`ExponentialLR gamma must lie in (0, 1], got ${gamma}`);
    this.state = { baseLr, gamma, steps: 0, lastEpoch: null };
  }

  /** The rate for the next optimizer step. */
  get lr(): number {
    const { baseLr, gamma, steps } = this.state;
    return gamma === null ? baseLr : baseLr * gamma ** steps;
  }

  /** Call after every optimizer step with the current epoch. */
  afterOptimizerStep(epoch: number): void {
    if (this.state.lastEpoch === null) this.state.lastEpoch = epoch;
    else if (this.state.lastEpoch !== epoch) {
      this.state.lastEpoch = epoch;
      if (this.state.gamma !== null) this.state.steps += 1;
    }
  }

  getState(): EpochScheduleState {
    return { ...this.state };
  }

  setState(state: EpochScheduleState): void {
    this.state = { ...state };
  }
}
