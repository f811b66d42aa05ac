import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, shareConfig, sharedConfig } from '../../harness/config/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const FULL = path.join(import.meta.dirname, '../fixtures/config/full.yaml');

describe('the config a controller shares with workers on other hosts', () => {
  const ctx = useRedisPrefix();

  it('a worker runs the controller\'s config with its own Redis, state directory and slots, no dashboard, and never sees the dashboard token', async () => {
    const loaded = await loadConfig(FULL, { env: { REDIS_URL: 'redis://10.0.0.5:6380/2' } });
    const config = { ...loaded, queue: { ...loaded.queue, prefix: ctx.prefix } };
    await shareConfig(ctx.redis, config);
    const worker = await sharedConfig(ctx.redis, ctx.prefix, { redisUrl: ctx.url, stateDir: '/var/lib/gantry-worker', slots: 16 });
    expect(worker).toEqual({
      ...config, redisUrl: ctx.url, stateDir: '/var/lib/gantry-worker', concurrency: 16,
      server: { enabled: false, host: config.server.host, port: config.server.port },
    });
    expect(JSON.stringify(await ctx.redis.get(`${ctx.prefix}:config`))).not.toContain('a-long-enough-random-token');
    expect((await sharedConfig(ctx.redis, ctx.prefix, { redisUrl: ctx.url, stateDir: '/w' })).concurrency).toBe(config.concurrency);
  });

  it('a worker started before any controller shared a config is told what to start', async () => {
    await expect(sharedConfig(ctx.redis, ctx.prefix, { redisUrl: ctx.url, stateDir: '/w' })).rejects.toThrow(/no controller has shared its config yet: start `gantry run`/);
  });
});
