import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Whose a token is: the task a session works on. */
export interface TokenHolder {
  task: string;
  role: string;
}

/**
 * Per-session tokens for the agent API. Only a hash is kept (in Redis, so
 * every process serving sessions can check one), and each lapses on its
 * own: a session that outlives its controller cannot keep a token forever.
 */
export class AgentTokens {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:agent-token:`;
  }

  async issue(holder: TokenHolder, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.#redis.set(this.#key(token), JSON.stringify(holder), 'PX', Math.max(1, Math.ceil(ttlMs)));
    return token;
  }

  async holder(token: string): Promise<TokenHolder | undefined> {
    const json = await this.#redis.get(this.#key(token));
    return json ? (JSON.parse(json) as TokenHolder) : undefined;
  }

  async revoke(token: string): Promise<void> {
    await this.#redis.del(this.#key(token));
  }

  #key(token: string): string {
    return this.#prefix + createHash('sha256').update(token).digest('hex');
  }
}
