import type { Redis } from 'ioredis';
import type { ProbeCache, Verdict } from './types.ts';

/**
 * Probe verdicts in one Redis hash (field = probe key), so a bisection killed
 * mid-way resumes without building again what it already judged. The key
 * should name the oracle config (e.g. `${prefix}:oracle:<config hash>`): a
 * changed build or judge must not reuse old verdicts.
 */
export class RedisProbeCache implements ProbeCache {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, key: string) {
    this.#redis = redis;
    this.#key = key;
  }

  async get(key: string): Promise<Verdict | undefined> {
    const value = await this.#redis.hget(this.#key, key);
    return value === 'pass' || value === 'fail' ? value : undefined;
  }

  async set(key: string, verdict: Verdict): Promise<void> {
    await this.#redis.hset(this.#key, key, verdict);
  }
}
