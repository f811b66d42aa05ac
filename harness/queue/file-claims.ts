import type { Redis } from 'ioredis';
import { sharedPath } from '../roles/scope-overlap.ts';
import { withLock } from './lock.ts';

/**
 * The files running tasks declared (`files` of a task), so that with
 * `roles.overlap: wait` two tasks that declare the same file never run at
 * once. A claim is checked and written under one short Redis lock; a holder
 * whose task no longer runs (its controller died) is dropped, so claims need
 * no expiry.
 */
export class FileClaims {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #lockKey: string;
  readonly #isRunning: (taskId: string) => Promise<boolean>;

  constructor(redis: Redis, prefix: string, isRunning: (taskId: string) => Promise<boolean>) {
    this.#redis = redis;
    this.#key = `${prefix}:file-claims`;
    this.#lockKey = `${prefix}:lock:file-claims`;
    this.#isRunning = isRunning;
  }

  /** Undefined when `taskId` now holds its files; else a running task that declared one of them, and the file. */
  async claim(taskId: string, files: readonly string[]): Promise<{ holder: string; file: string } | undefined> {
    if (files.length === 0) return undefined;
    return withLock(this.#redis, this.#lockKey, { ttlMs: 10_000, waitMs: 30_000 }, async () => {
      for (const [holder, json] of Object.entries(await this.#redis.hgetall(this.#key))) {
        if (holder === taskId) continue;
        const file = sharedPath(files, JSON.parse(json) as string[]);
        if (file === undefined) continue;
        if (await this.#isRunning(holder)) return { holder, file };
        await this.#redis.hdel(this.#key, holder);
      }
      await this.#redis.hset(this.#key, taskId, JSON.stringify(files));
      return undefined;
    });
  }

  async release(taskId: string): Promise<void> {
    await this.#redis.hdel(this.#key, taskId);
  }
}
