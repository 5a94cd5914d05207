import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { classesWithQueues, queueFor, QUEUE_NAMES } from '@dgm-ood/queue';

/** bull-board at /queues: the raw BullMQ view of the train and ood queues and of their requirement-class queues. */
export async function queueBoardPlugin(app: FastifyInstance): Promise<void> {
  const { queues } = app.services;
  const serverAdapter = new FastifyAdapter();
  const board = createBullBoard({
    queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
  });
  // Class queues appear with submissions: each board request adds those it does not show yet (one Redis read).
  const shown = new Set(Object.values(queues).map((queue) => queue.name));
  app.addHook('onRequest', async () => {
    for (const kind of QUEUE_NAMES) {
      for (const requirementClass of await classesWithQueues(queues, kind)) {
        const queue = queueFor(queues, kind, requirementClass);
        if (shown.has(queue.name)) continue;
        shown.add(queue.name);
        board.addQueue(new BullMQAdapter(queue));
      }
    }
  });
  serverAdapter.setBasePath('/queues');
  await app.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
}
