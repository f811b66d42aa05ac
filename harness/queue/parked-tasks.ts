import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { RoleQueues } from './task-queues.ts';

export interface ParkedTask {
  task: string;
  reason: string;
}

/**
 * Tasks set aside without spending an attempt, because what they need is not
 * there (a provider refused the key). Each waits as a delayed BullMQ job; this
 * keeps why, so that `untilIdle` can tell parked work from work in progress,
 * and a starting controller can wake them at once.
 */
export class ParkedTasks {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#key = `${prefix}:parked`;
  }

  /** Moves the running job to delayed (BullMQ does not count it as an attempt); the processor must then throw DelayedError. */
  async park(job: Job, token: string, reason: string, delayMs: number): Promise<void> {
    await this.#redis.hset(this.#key, job.id ?? '', reason);
    await job.moveToDelayed(Date.now() + delayMs, token);
  }

  /** The task runs again: it is no longer parked. */
  async unpark(taskId: string): Promise<void> {
    await this.#redis.hdel(this.#key, taskId);
  }

  async list(): Promise<ParkedTask[]> {
    return Object.entries(await this.#redis.hgetall(this.#key)).map(([task, reason]) => ({ task, reason }));
  }

  async count(): Promise<number> {
    return this.#redis.hlen(this.#key);
  }

  /** Makes every parked task that is still delayed ready to run now. Returns how many. */
  async wakeAll(): Promise<number> {
    const queues = new RoleQueues(this.#redis, this.#prefix);
    try {
      let woken = 0;
      for (const { task } of await this.list()) {
        const job = await queues.job(task);
        if (job && (await job.isDelayed())) {
          await job.promote();
          woken += 1;
        }
      }
      return woken;
    } finally {
      await queues.close();
    }
  }
}
