/** The command registry. A new command (e.g. `evaluation`) is one module plus one entry here. */
import type { Command } from '../command.js';
import { evaluationCommand } from './evaluation.js';
import { checkpointCommand } from './checkpoint.js';
import { expandCommand } from './expand.js';
import { importCommand } from './import.js';

export const COMMANDS: readonly Command[] = [expandCommand, evaluationCommand, checkpointCommand, importCommand];
