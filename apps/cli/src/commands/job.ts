/** `dgm-ood job <subcommand>`: one job of a sweep on the coordinator. */
import { remoteCommandGroup } from '../remote/command-group.js';
import { logsSubcommand } from './job/logs.js';

export const jobCommand = remoteCommandGroup('job', "a job's log lines on the coordinator (DGM_OOD_URL), optionally followed live", [logsSubcommand]);
