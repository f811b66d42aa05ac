import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { GantryError } from '../errors.ts';
import type { SessionReport } from './agent-adapter.ts';
import { keyToFix } from './provider-key.ts';

export interface ProviderGateOptions {
  /** Backoff after the first rate-limited session; it doubles with each consecutive one. @defaultValue 2000 */
  baseMs?: number;
  /** Longest backoff. @defaultValue 60000 */
  maxMs?: number;
  /** Most random delay added to each wait, so that waiting sessions do not all start at the same instant. @defaultValue 1000 */
  jitterMs?: number;
  /** Returns [0, 1); injected so tests can pin the jitter. */
  random?: () => number;
}

/** A provider refused the key: no session of it starts until a controller starts again. */
export interface ProviderBlock {
  provider: string;
  message: string;
}

/** What a finished session told the gate, for the journal: a new backoff, or a new block. */
export interface ProviderVerdict {
  provider: string;
  /** Set when this session moved the provider's "wait until" later (epoch ms). */
  backoffUntil?: number;
  /** Set when this session blocked the provider (the first to see its key refused). */
  blocked?: ProviderBlock;
}

// Raises the provider's consecutive rate-limit count and its "wait until",
// atomically, for every worker and controller sharing the Redis. A session
// that was already running when the current backoff was declared, and ends
// while it still holds, brings no news (eight sessions hitting one limit
// together are one event, not eight doublings). Returns {moved, until}.
const RATE_LIMITED = `
local now = tonumber(ARGV[1])
local started = tonumber(ARGV[2])
local base = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'count', 'until', 'since')
local count = tonumber(state[1]) or 0
local untilMs = tonumber(state[2]) or 0
local since = tonumber(state[3]) or 0
if started < since and now < untilMs then return {0, untilMs} end
count = count + 1
local candidate = now + math.min(base * 2 ^ (count - 1), cap)
if candidate <= untilMs then
  redis.call('HSET', KEYS[1], 'count', count)
  return {0, untilMs}
end
redis.call('HSET', KEYS[1], 'count', count, 'until', candidate, 'since', now)
return {1, candidate}
`;

/**
 * Whether a model provider may take a new session, shared through Redis by
 * every worker and controller on the queue prefix: after a rate-limited
 * session every session of the provider waits out an exponential backoff
 * (plus jitter); after a refused key none starts until a controller starts
 * again (see docs/operations.md). Times are the hosts' clocks (epoch ms), so
 * hosts sharing a Redis should run NTP.
 *
 * A command agent names its provider in its result line, which may differ
 * from its adapter's (`command`); the providers a kind's sessions reported are
 * remembered, and a new session waits for all of them.
 */
export class ProviderGate {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #jitterMs: number;
  readonly #random: () => number;

  constructor(redis: Redis, prefix: string, options: ProviderGateOptions = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#baseMs = options.baseMs ?? 2_000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#jitterMs = options.jitterMs ?? 1_000;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Resolves when a session of `agentProvider` may start: after every backoff
   * of its providers has passed, plus a random jitter. Throws PROVIDER_BLOCKED
   * when one of them refused the key; rejects with the signal's reason when
   * aborted. Returns how long it waited.
   */
  async waitTurn(agentProvider: string, signal: AbortSignal): Promise<number> {
    const started = Date.now();
    for (;;) {
      signal.throwIfAborted();
      const providers = await this.#providersOf(agentProvider);
      const block = await this.#firstBlock(providers);
      if (block) throw blockedError(block);
      const until = Math.max(0, ...await Promise.all(providers.map((provider) => this.backoffUntil(provider))));
      const now = Date.now();
      if (until <= now) return now - started;
      await sleep(until - now + Math.floor(this.#random() * this.#jitterMs), undefined, { signal });
    }
  }

  /**
   * Records what a session's report says about its provider: a rate limit
   * extends the backoff, a refused key blocks it, a clean end resets the
   * consecutive count. `startedAt` (epoch ms) tells news from a session that
   * was already running when the current backoff began.
   */
  async settle(agentProvider: string, report: SessionReport, startedAt: number): Promise<ProviderVerdict> {
    const { provider } = report.usage;
    if (provider !== agentProvider) await this.#redis.sadd(this.#key(agentProvider, 'reported'), provider);
    switch (report.end) {
      case 'rate-limited': {
        const [moved, until] = (await this.#redis.eval(
          RATE_LIMITED, 1, this.#key(provider, 'backoff'), Date.now(), startedAt, this.#baseMs, this.#maxMs,
        )) as [number, number];
        return moved === 1 ? { provider, backoffUntil: until } : { provider };
      }
      case 'auth': {
        const message = report.message ?? 'the provider refused the key';
        const first = await this.#redis.set(this.#key(provider, 'auth'), message, 'NX');
        return first === 'OK' ? { provider, blocked: { provider, message } } : { provider };
      }
      case 'ok':
        await this.#redis.hset(this.#key(provider, 'backoff'), 'count', 0);
        return { provider };
      default:
        return { provider };
    }
  }

  /** When the provider's current backoff ends (epoch ms; 0 when it never had one). */
  async backoffUntil(provider: string): Promise<number> {
    return Number((await this.#redis.hget(this.#key(provider, 'backoff'), 'until')) ?? 0);
  }

  /** Every provider whose key was refused, with what it said. */
  async blocks(): Promise<ProviderBlock[]> {
    const keys = await this.#authKeys();
    const messages = keys.length === 0 ? [] : await this.#redis.mget(...keys);
    return keys.flatMap((key, index) => {
      const message = messages[index];
      return message == null ? [] : [{ provider: key.slice(`${this.#prefix}:provider:`.length, -':auth'.length), message }];
    });
  }

  /** Lifts every block (a controller starting: the key is taken to be fixed). Returns the providers unblocked. */
  async clearBlocks(): Promise<string[]> {
    const blocks = await this.blocks();
    if (blocks.length > 0) await this.#redis.del(...blocks.map((block) => this.#key(block.provider, 'auth')));
    return blocks.map((block) => block.provider);
  }

  async #providersOf(agentProvider: string): Promise<string[]> {
    return [...new Set([agentProvider, ...await this.#redis.smembers(this.#key(agentProvider, 'reported'))])];
  }

  async #firstBlock(providers: string[]): Promise<ProviderBlock | undefined> {
    const messages = await this.#redis.mget(...providers.map((provider) => this.#key(provider, 'auth')));
    const index = messages.findIndex((message) => message != null);
    const provider = providers[index];
    const message = messages[index];
    return provider === undefined || message == null ? undefined : { provider, message };
  }

  async #authKeys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}:provider:*:auth`, 'COUNT', 200);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  #key(provider: string, field: 'backoff' | 'auth' | 'reported'): string {
    return `${this.#prefix}:provider:${provider}:${field}`;
  }
}

/** The error that parks a task (without spending an attempt) while its provider is blocked. */
export function blockedError(block: ProviderBlock): GantryError {
  return new GantryError(
    'PROVIDER_BLOCKED',
    `provider ${block.provider} refused the key (${block.message}): fix ${keyToFix(block.provider)} and start gantry again; its tasks wait, none is failed`,
    { retryable: true, data: { provider: block.provider } },
  );
}
