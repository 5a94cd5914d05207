/** The command registry. A new command (e.g. `evaluation`) is one module plus one entry here. */
import type { Command } from '../command.js';
import { evaluationCommand } from './evaluation.js';
import { checkpointCommand } from './checkpoint.js';
import { expandCommand } from './expand.js';
import { importCommand } from './import.js';
import { jobCommand } from './job.js';
import { oodCommand, trainCommand } from './single-run.js';
import { storageCommand } from './storage.js';
import { sweepCommand } from './sweep.js';

export const COMMANDS: readonly Command[] = [expandCommand, evaluationCommand, checkpointCommand, importCommand, sweepCommand, jobCommand, storageCommand, trainCommand, oodCommand];
