/** `dgm-ood sweep <subcommand>`: submit, follow and inspect sweeps on the coordinator over its REST API. */
import { remoteCommandGroup } from '../remote/command-group.js';
import { cancelSubcommand } from './sweep/cancel.js';
import { deleteSubcommand } from './sweep/delete.js';
import { listSubcommand } from './sweep/list.js';
import { resultsSubcommand } from './sweep/results.js';
import { retryFailedSubcommand } from './sweep/retry-failed.js';
import { showSubcommand } from './sweep/show.js';
import { submitSubcommand } from './sweep/submit.js';

export const sweepCommand = remoteCommandGroup('sweep', 'submit, follow and inspect sweeps on the coordinator (DGM_OOD_URL)', [
  submitSubcommand,
  listSubcommand,
  showSubcommand,
  resultsSubcommand,
  retryFailedSubcommand,
  cancelSubcommand,
  deleteSubcommand,
]);
