import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const BOARD_PATH = '/queues';

/**
 * Bull Board on the run's BullMQ queues, read-only twice over: its own
 * read-only mode hides the buttons, and any request but GET or HEAD under
 * its path is refused before it reaches the board (a person fixes a task
 * with `gantry task retry`, which journals what it did).
 */
export async function mountQueueBoard(app: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'gantry queues' } },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(BOARD_PATH) && request.method !== 'GET' && request.method !== 'HEAD') {
      return reply.code(405).send({ error: 'the queue board is read-only: change tasks with `gantry task` (retry, withdraw)' });
    }
  });
  await app.register(adapter.registerPlugin(), { prefix: BOARD_PATH });
}
