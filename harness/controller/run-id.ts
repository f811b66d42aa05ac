import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The id of the current run, shared by every controller and CLI call on the
 * same queue prefix. The first caller makes it; a restarted controller goes on
 * with the same run (and the same journal).
 */
export async function currentRun(redis: Redis, prefix: string, now: Date = new Date()): Promise<string> {
  const key = `${prefix}:run`;
  const existing = await redis.get(key);
  if (existing) return existing;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const candidate = `${stamp}-${randomBytes(2).toString('hex')}`;
  await redis.set(key, candidate, 'NX');
  return (await redis.get(key)) ?? candidate;
}
