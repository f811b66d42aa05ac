import type { Redis } from 'ioredis';
import { RedisTokens } from '../queue/index.ts';

/**
 * What a token lets its holder do on `gantry upstream serve`: fetch, or
 * fetch and push the one task branch of an attempt that still holds its task.
 * Writing main takes the server's own token, which Redis never holds.
 */
export type UpstreamGrant = { kind: 'read' } | { kind: 'task'; task: string; fence: number };

export type UpstreamTokens = RedisTokens<UpstreamGrant>;

export function upstreamTokens(redis: Redis, prefix: string): UpstreamTokens {
  return new RedisTokens<UpstreamGrant>(redis, `${prefix}:upstream-token:`);
}
