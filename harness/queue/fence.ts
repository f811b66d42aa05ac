import type { Redis } from 'ioredis';
import { QueueError } from '../errors.ts';

/**
 * Fencing tokens per task. BullMQ delivers at least once: a worker that lost
 * its lease (stalled, partitioned) may still be running when the next attempt
 * starts. Every attempt takes a larger token, and a write that matters (the
 * merge) first checks that its token is still the newest.
 */
export class Fence {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** A token larger than every token handed out before for this task. */
  async next(taskId: string): Promise<number> {
    return this.#redis.incr(this.#key(taskId));
  }

  async isCurrent(taskId: string, token: number): Promise<boolean> {
    return (await this.#redis.get(this.#key(taskId))) === String(token);
  }

  /** Throws STALE_LEASE when a newer attempt of the task has started. */
  async assertCurrent(taskId: string, token: number): Promise<void> {
    if (await this.isCurrent(taskId, token)) return;
    throw new QueueError('STALE_LEASE', `task ${taskId}: fencing token ${token} is stale, a newer attempt holds the task; this attempt must stop without writing`, {
      data: { taskId, token },
    });
  }

  #key(taskId: string): string {
    return `${this.#prefix}:fence:${taskId}`;
  }
}
