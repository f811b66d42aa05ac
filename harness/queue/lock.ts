import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { QueueError } from '../errors.ts';

export interface LockOptions {
  /** How long the lock outlives a holder that crashed; renewed while the holder runs. */
  ttlMs: number;
  /** How long to wait for another holder before giving up. */
  waitMs: number;
}

// Delete or extend only our own lock: after a pause longer than the TTL the key
// may belong to the next holder.
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const renewScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

const minPollMs = 20;
const maxPollMs = 200;

/**
 * Runs `fn` while holding a Redis mutex on `key`, across processes and hosts.
 * The lock is renewed every third of its TTL; if renewal finds it lost (Redis
 * lost it, or this process stalled past the TTL) `fn`'s signal is aborted.
 */
export async function withLock<T>(redis: Redis, key: string, options: LockOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const owner = randomUUID();
  await acquire(redis, key, owner, options);
  const lost = new AbortController();
  const renewal = setInterval(() => {
    redis.eval(renewScript, 1, key, owner, String(options.ttlMs)).then(
      (renewed) => {
        if (renewed !== 1) lost.abort(lockLost(key));
      },
      (error: unknown) => lost.abort(lockLost(key, error)),
    );
  }, Math.max(1, Math.floor(options.ttlMs / 3)));
  try {
    return await fn(lost.signal);
  } finally {
    clearInterval(renewal);
    // A failed release must not hide fn's own result or error: the TTL frees the lock anyway.
    await redis.eval(releaseScript, 1, key, owner).catch(() => undefined);
  }
}

async function acquire(redis: Redis, key: string, owner: string, options: LockOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  for (let poll = minPollMs; ; poll = Math.min(poll * 2, maxPollMs)) {
    if ((await redis.set(key, owner, 'PX', options.ttlMs, 'NX')) === 'OK') return;
    const left = deadline - Date.now();
    if (left <= 0) break;
    // Jitter keeps waiting holders from polling in lockstep.
    await sleep(Math.min(left, poll / 2 + Math.random() * poll));
  }
  throw new QueueError(
    'LOCK_BUSY',
    `lock ${key} is held by another process; gave up after ${options.waitMs} ms: retry later (a crashed holder's lock expires within ${options.ttlMs} ms)`,
    { retryable: true, data: { key, ...options } },
  );
}

function lockLost(key: string, cause?: unknown): QueueError {
  return new QueueError('LOCK_BUSY', `lock ${key} was lost while held (it expired or Redis dropped it): stop and retry`, { retryable: true, cause, data: { key } });
}
