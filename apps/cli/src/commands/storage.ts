/** `dgm-ood storage <subcommand>`: retention and garbage collection of what the coordinator's sweeps stored. */
import { remoteCommandGroup } from '../remote/command-group.js';
import { gcSubcommand } from './storage/gc.js';
import { retentionSubcommand } from './storage/retention.js';

export const storageCommand = remoteCommandGroup('storage', "delete old sweeps and orphaned artifacts on the coordinator (DGM_OOD_URL)", [gcSubcommand, retentionSubcommand]);
