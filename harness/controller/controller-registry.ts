import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';

/** A name for this process, new at every start: what its containers carry as `gantry.owner`. */
export function newControllerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

export interface ControllerRegistryOptions {
  /**
   * How long a controller counts as alive after its last heartbeat (one every
   * third of it). A controller killed outright is known dead this long after.
   * @defaultValue 15000
   */
  ttlMs?: number;
  logger?: Logger;
}

/**
 * Which controllers on a queue prefix are alive, so that one reaps only the
 * containers of those that are gone: each keeps a key
 * `<prefix>:controllers:<id>` that expires `ttlMs` after its last heartbeat.
 * The key's expiry is Redis's clock, so hosts need not agree on the time.
 * When Redis was down longer than the TTL, every key has lapsed when it comes
 * back; for one TTL after this process reconnects, no controller is taken for
 * dead (a live one says it is alive within a third of it).
 */
export class ControllerRegistry {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  #id: string | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** A beat waiting for Redis (down): the next one is skipped rather than queued behind it. */
  #beating = false;
  /** When this process's connection last came back after Redis was away. */
  #reconnectedAt = Number.NEGATIVE_INFINITY;

  constructor(redis: Redis, prefix: string, options: ControllerRegistryOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#logger = options.logger ?? silentLogger;
    // 'ready' is emitted after each reconnection (the first connection was made before this registry).
    redis.on('ready', () => {
      this.#reconnectedAt = Date.now();
    });
  }

  /** Says `id` is alive, and keeps saying it until leave(). */
  async join(id: string): Promise<void> {
    this.#id = id;
    await this.#redis.set(this.#key(id), new Date().toISOString(), 'PX', this.#ttlMs);
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => void this.#beat(id), Math.max(1, Math.floor(this.#ttlMs / 3)));
    this.#heartbeat.unref();
  }

  /** Stops the heartbeat and says at once that this controller is gone. */
  async leave(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    if (this.#id !== undefined) await this.#redis.del(this.#key(this.#id));
    this.#id = undefined;
  }

  /**
   * Throws when Redis cannot answer: a controller of unknown state must not be
   * taken for dead. True, whatever Redis holds, within one TTL of Redis
   * coming back, when the live ones may not have said so yet.
   */
  async isAlive(id: string): Promise<boolean> {
    const registered = (await this.#redis.exists(this.#key(id))) === 1;
    return registered || Date.now() - this.#reconnectedAt < this.#ttlMs;
  }

  /** Every controller alive now. */
  async alive(): Promise<string[]> {
    const ids: string[] = [];
    const match = this.#key('*');
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', match, 'COUNT', 200);
      cursor = next;
      ids.push(...keys.map((key) => key.slice(match.length - 1)));
    } while (cursor !== '0');
    return ids;
  }

  async #beat(id: string): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      await this.#redis.set(this.#key(id), new Date().toISOString(), 'PX', this.#ttlMs);
    } catch (error) {
      this.#logger.warn({ err: messageOf(error) }, 'controller heartbeat failed; other controllers may take this one for dead and remove its containers');
    } finally {
      this.#beating = false;
    }
  }

  #key(id: string): string {
    return `${this.#prefix}:controllers:${id}`;
  }
}
