import type { Redis } from 'ioredis';

/**
 * KEYS: the subject's lock. ARGV: the claiming task, a holder known to be gone.
 * Sets the lock when it is free, already this task's, or held by that gone
 * holder; returns whoever holds it after.
 */
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if not current or current == ARGV[1] or current == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return current
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * One running task per subject (subjectKey): two tasks about the same thing,
 * from two sources, never run at once. A lock is the holder's task id; a
 * holder whose task no longer runs (its controller died) is taken over, so a
 * lock needs no expiry.
 */
export class SubjectLocks {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #isRunning: (taskId: string) => Promise<boolean>;

  constructor(redis: Redis, prefix: string, isRunning: (taskId: string) => Promise<boolean>) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#isRunning = isRunning;
  }

  /** Undefined when `taskId` now holds the subject; else the task that does. */
  async claim(subject: string, taskId: string): Promise<string | undefined> {
    const holder = await this.#claim(subject, taskId, '');
    if (holder === taskId) return undefined;
    if (await this.#isRunning(holder)) return holder;
    const after = await this.#claim(subject, taskId, holder);
    return after === taskId ? undefined : after;
  }

  async release(subject: string, taskId: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#key(subject), taskId);
  }

  async #claim(subject: string, taskId: string, gone: string): Promise<string> {
    return (await this.#redis.eval(CLAIM, 1, this.#key(subject), taskId, gone)) as string;
  }

  #key(subject: string): string {
    return `${this.#prefix}:subject:${subject}`;
  }
}
