import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';

/** bull-board at /queues: the raw BullMQ view of the train and ood queues. */
export async function queueBoardPlugin(app: FastifyInstance): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  createBullBoard({
    queues: Object.values(app.services.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
  });
  serverAdapter.setBasePath('/queues');
  await app.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
}
