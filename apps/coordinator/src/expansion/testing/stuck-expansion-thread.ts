/** An expansion thread for tests that gets stuck where nothing checks the clock, for a source containing `# stuck`. */
import { serveTasks } from '../../threads/serve-tasks.js';
import { expandSubmission, type ExpansionRequest } from '../expand-submission.js';

serveTasks((request: ExpansionRequest) => {
  if (request.source.includes('# stuck')) for (;;);
  return expandSubmission(request);
});
