import { expect, vi } from 'vitest';
import { silentLogger } from '../../harness/log.ts';
import { BullTaskQueue, Fence, startTaskWorker, type TaskRecord, type TaskWorker, type TaskWorkerOptions } from '../../harness/queue/index.ts';
import type { RedisTestContext } from './redis.ts';

export interface TaskWorkerFixture {
  /** A queue on the test's prefix that gives each task `attempts` attempts, 50 ms apart; closed after the test. */
  makeQueue(attempts: number): BullTaskQueue;
  /** A worker on the test's prefix (concurrency 1, role core only, lease 5 s unless `options` say otherwise); closed after the test. */
  startWorker(processor: TaskWorkerOptions['processor'], options?: Partial<TaskWorkerOptions>): TaskWorker;
  /** The queue's first task, once it is in `state` (waits up to 15 s). */
  recordOf(queue: BullTaskQueue, state: TaskRecord['state']): Promise<TaskRecord>;
}

/** Queues and workers for one test on `ctx`'s Redis prefix (see useRedisPrefix). */
export function taskWorkerFixture(ctx: RedisTestContext): TaskWorkerFixture {
  return {
    makeQueue(attempts) {
      const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts, backoffMs: 50 });
      ctx.defer(() => queue.close());
      return queue;
    },

    startWorker(processor, options = {}) {
      const worker = startTaskWorker({
        connection: ctx.redis, prefix: ctx.prefix, concurrency: 1, leaseMs: 5_000, roles: [{ name: 'core', count: options.concurrency ?? 1, priority: 50 }],
        processor, fence: new Fence(ctx.redis, ctx.prefix), logger: silentLogger, ...options,
      });
      // A test may have closed it already, or left a task that ignores the abort: neither is this cleanup's concern.
      ctx.defer(() => worker.close({ graceMs: 2_000, forceMs: 2_000 }).catch(() => undefined));
      return worker;
    },

    async recordOf(queue, state) {
      let found: TaskRecord | undefined;
      await vi.waitFor(async () => {
        found = (await queue.list())[0];
        expect(found?.state).toBe(state);
      }, { timeout: 15_000, interval: 50 });
      return found!;
    },
  };
}
