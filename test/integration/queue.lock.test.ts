import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectRedis, withLock } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

describe('withLock', () => {
  const ctx = useRedisPrefix();

  it('when two processes want the lock at once, they hold it one after the other', async () => {
    // A second connection stands for the second process.
    const other = await connectRedis(ctx.url);
    ctx.defer(() => other.quit());
    const key = `${ctx.prefix}:lock:merge`;
    const log: string[] = [];
    const holder = (name: string, redis: typeof other) =>
      withLock(redis, key, { ttlMs: 5_000, waitMs: 5_000 }, async () => {
        log.push(`${name} in`);
        await sleep(200);
        log.push(`${name} out`);
        return name;
      });

    const results = await Promise.all([holder('a', ctx.redis), holder('b', other), holder('c', ctx.redis)]);

    expect(results).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]?.replace(' in', ' out'));
    expect(log).toHaveLength(6);
    expect(await ctx.redis.exists(key)).toBe(0);
  });

  it('when the lock stays busy past waitMs, it throws a retryable LOCK_BUSY naming the key', async () => {
    const key = `${ctx.prefix}:lock:merge`;
    await ctx.redis.set(key, 'someone-else', 'PX', 10_000);
    const started = Date.now();

    const error = await withLock(ctx.redis, key, { ttlMs: 1_000, waitMs: 300 }, async () => 'ran').catch((e: unknown) => e);

    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toMatchObject({ code: 'LOCK_BUSY', retryable: true, message: expect.stringContaining(key) });
    expect(await ctx.redis.get(key)).toBe('someone-else');
  });

  it('when a holder crashed, its lock expires after the TTL and the next holder gets it', async () => {
    const key = `${ctx.prefix}:lock:merge`;
    // What a holder killed mid-merge leaves behind: its key, with the TTL running.
    await ctx.redis.set(key, 'crashed-holder', 'PX', 600);
    const started = Date.now();

    const result = await withLock(ctx.redis, key, { ttlMs: 1_000, waitMs: 5_000 }, async () => Date.now() - started);

    expect(result).toBeGreaterThanOrEqual(500);
    expect(result).toBeLessThan(2_000);
  });

  it('when the holder runs longer than the TTL, renewal keeps others out', async () => {
    const key = `${ctx.prefix}:lock:merge`;
    const ttlMs = 300;
    let contender: unknown;
    await withLock(ctx.redis, key, { ttlMs, waitMs: 1_000 }, async (signal) => {
      await sleep(ttlMs * 3);
      contender = await withLock(ctx.redis, key, { ttlMs, waitMs: 100 }, async () => 'got in').catch((e: unknown) => e);
      expect(signal.aborted).toBe(false);
    });

    expect(contender).toMatchObject({ code: 'LOCK_BUSY' });
  });

  it('when the lock is lost while held, it aborts the holder and leaves the new owner alone', async () => {
    const key = `${ctx.prefix}:lock:merge`;
    const ttlMs = 300;
    await withLock(ctx.redis, key, { ttlMs, waitMs: 1_000 }, async (signal) => {
      await ctx.redis.set(key, 'new-owner', 'PX', 5_000);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      expect(signal.reason).toMatchObject({ code: 'LOCK_BUSY' });
    });

    expect(await ctx.redis.get(key)).toBe('new-owner');
  });
});
