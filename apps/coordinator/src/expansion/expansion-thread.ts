/** The body of an expansion thread: meta-configurations expanded here, never on the coordinator's event loop. */
import { serveTasks } from '../threads/serve-tasks.js';
import { expandSubmission, type ExpansionRequest } from './expand-submission.js';

serveTasks((request: ExpansionRequest) => expandSubmission(request));
