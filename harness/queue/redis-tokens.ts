import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Bearer tokens whose holder is kept in Redis, so every process serving
 * requests can check one. Only a hash of the token is stored, and each
 * lapses on its own: a holder that outlives its process cannot keep a token
 * forever.
 */
export class RedisTokens<Holder> {
  readonly #redis: Redis;
  readonly #namespace: string;

  /** `namespace`: the key prefix of this kind of token, e.g. `gantry:agent-token:`. */
  constructor(redis: Redis, namespace: string) {
    this.#redis = redis;
    this.#namespace = namespace;
  }

  async issue(holder: Holder, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.#redis.set(this.#key(token), JSON.stringify(holder), 'PX', Math.max(1, Math.ceil(ttlMs)));
    return token;
  }

  async holder(token: string): Promise<Holder | undefined> {
    const json = await this.#redis.get(this.#key(token));
    return json ? (JSON.parse(json) as Holder) : undefined;
  }

  async revoke(token: string): Promise<void> {
    await this.#redis.del(this.#key(token));
  }

  #key(token: string): string {
    return this.#namespace + createHash('sha256').update(token).digest('hex');
  }
}
