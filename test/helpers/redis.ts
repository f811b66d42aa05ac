import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, inject } from 'vitest';
import { connectRedis } from '../../harness/queue/index.ts';

export { freePort, startRedisServer, type ThrowawayRedis } from './redis-server.ts';

/** A key prefix no other test uses, so tests can run side by side on one Redis. */
export function randomPrefix(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix` (SCAN, not KEYS: other tests share the server). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface RedisTestContext {
  url: string;
  redis: Redis;
  prefix: string;
  /** Runs after the test, latest first, before the prefix's keys are deleted. */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

/**
 * Per test: a connection to the suite's Redis and a fresh key prefix; after
 * it, deferred cleanups run (each even if another throws), then the keys go.
 */
export function useRedisPrefix(): RedisTestContext {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const context = { defer: (cleanup) => void cleanups.push(cleanup) } as RedisTestContext;
  beforeEach(async () => {
    context.url = inject('redisUrl');
    context.redis = await connectRedis(context.url);
    context.prefix = randomPrefix();
  });
  afterEach(async () => {
    const results = [];
    for (const cleanup of cleanups.splice(0).reverse()) results.push(await Promise.allSettled([Promise.resolve().then(cleanup)]));
    await deleteKeys(context.redis, context.prefix);
    await context.redis.quit();
    const failed = results.flat().find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  return context;
}
