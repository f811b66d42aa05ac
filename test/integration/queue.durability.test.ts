import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../harness/log.ts';
import { checkRedisDurability, connectRedis } from '../../harness/queue/index.ts';
import { freePort, startRedisServer, type ThrowawayRedis } from '../helpers/redis.ts';

describe('checkRedisDurability', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.allSettled(cleanups.splice(0).reverse().map((cleanup) => cleanup()));
  });

  async function serverWith(args: string[]): Promise<{ server: ThrowawayRedis; redis: Redis }> {
    const server = await startRedisServer(args);
    cleanups.push(() => server.stop());
    const redis = await connectRedis(server.url);
    cleanups.push(() => redis.quit());
    return { server, redis };
  }

  const cases = [
    { name: 'appendonly is off', args: ['--appendonly', 'no'], setting: 'appendonly is no', fix: 'CONFIG SET appendonly yes' },
    {
      name: 'the eviction policy can drop keys',
      args: ['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru'],
      setting: 'maxmemory-policy is allkeys-lru',
      fix: 'CONFIG SET maxmemory-policy noeviction',
    },
    {
      name: 'CONFIG is disabled and appendonly is off',
      args: ['--appendonly', 'no', '--rename-command', 'CONFIG', ''],
      setting: 'appendonly is no',
      fix: 'CONFIG SET appendonly yes',
    },
    {
      name: 'CONFIG is disabled and the eviction policy can drop keys',
      args: ['--appendonly', 'yes', '--maxmemory-policy', 'volatile-lru', '--rename-command', 'CONFIG', ''],
      setting: 'maxmemory-policy is volatile-lru',
      fix: 'CONFIG SET maxmemory-policy noeviction',
    },
  ];

  it.each(cases)('when $name, it throws REDIS_NOT_DURABLE naming the setting and the fix', async ({ args, setting, fix }) => {
    const { server, redis } = await serverWith(args);

    const error = await checkRedisDurability(redis, server.url).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'REDIS_NOT_DURABLE', retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(server.url);
    expect(message).toContain(setting);
    expect(message).toContain(`redis-cli ${fix}`);
    expect(message).toContain('redis.conf');
  });

  it('when both settings are wrong, it names both in one error', async () => {
    const { server, redis } = await serverWith(['--appendonly', 'no', '--maxmemory-policy', 'allkeys-random']);

    const error = await checkRedisDurability(redis, server.url).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'REDIS_NOT_DURABLE', data: { settings: { appendonly: 'no', 'maxmemory-policy': 'allkeys-random' } } });
    expect((error as Error).message).toContain(
      'Run `redis-cli CONFIG SET appendonly yes` and `redis-cli CONFIG SET maxmemory-policy noeviction`, ' +
        'and put `appendonly yes` and `maxmemory-policy noeviction` in redis.conf',
    );
  });

  it('when CONFIG is disabled on a durable Redis, it passes by reading INFO', async () => {
    const { server, redis } = await serverWith(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--rename-command', 'CONFIG', '']);

    await expect(checkRedisDurability(redis, server.url)).resolves.toBeUndefined();
  });

  it('when Redis is configured as gantry needs (the suite Redis), it passes', async () => {
    const redis = await connectRedis(inject('redisUrl'));
    cleanups.push(() => redis.quit());

    await expect(checkRedisDurability(redis, inject('redisUrl'))).resolves.toBeUndefined();
  });
});

describe('connectRedis', () => {
  it('when nothing listens on the port, it throws a retryable REDIS_UNAVAILABLE within its timeout', async () => {
    const url = `redis://:s3cret@127.0.0.1:${await freePort()}`;
    const started = Date.now();

    const error = await connectRedis(url, silentLogger, 1_000).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE', retryable: true });
    const message = (error as Error).message;
    expect(message).toMatch(/^Redis not reachable at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\): start redis-server or set REDIS_URL$/);
    expect(message).not.toContain('s3cret');
  });
});
