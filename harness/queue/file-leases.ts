import type { Redis } from 'ioredis';
import { sharedPath } from '../roles/scope-overlap.ts';

/** Files an agent said it is changing, for a while: other agents see it, and the scheduler holds back tasks that declare them. */
export interface FileLease {
  task: string;
  role: string;
  /** Paths or globs. */
  files: string[];
  /** When it lapses (epoch ms). */
  until: number;
}

/**
 * Advisory file leases (`gantry-agent lease`): one per task, in a Redis
 * hash, each lapsing on its own. A lease never stops an agent from writing
 * a file; it delays the start of tasks that declare one of its files, and
 * it is in every peer's view.
 */
export class FileLeases {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:file-leases`;
  }

  /** Adds `files` to the task's lease and moves its end to `ttlMs` from now (never earlier than it was). */
  async lease(holder: { task: string; role: string }, files: readonly string[], ttlMs: number): Promise<FileLease> {
    const current = (await this.active()).find((lease) => lease.task === holder.task);
    const lease: FileLease = {
      ...holder,
      files: [...new Set([...(current?.files ?? []), ...files])],
      until: Math.max(current?.until ?? 0, Date.now() + ttlMs),
    };
    await this.#redis.hset(this.#key, holder.task, JSON.stringify(lease));
    return lease;
  }

  /** Gives back `files`, or the whole lease when none are named: what was given back, and what is left, if anything. */
  async release(task: string, files: readonly string[] = []): Promise<{ released: string[]; left?: FileLease }> {
    const current = (await this.active()).find((lease) => lease.task === task);
    const held = current?.files ?? [];
    const released = files.length > 0 ? held.filter((file) => files.includes(file)) : held;
    const left = held.filter((file) => !released.includes(file));
    if (!current || left.length === 0) {
      await this.#redis.hdel(this.#key, task);
      return { released };
    }
    const lease = { ...current, files: left };
    await this.#redis.hset(this.#key, task, JSON.stringify(lease));
    return { released, left: lease };
  }

  /** The leases not yet lapsed; lapsed ones are dropped on the way. */
  async active(): Promise<FileLease[]> {
    const now = Date.now();
    const leases: FileLease[] = [];
    for (const [task, json] of Object.entries(await this.#redis.hgetall(this.#key))) {
      const lease = JSON.parse(json) as FileLease;
      if (lease.until > now) leases.push(lease);
      else await this.#redis.hdel(this.#key, task);
    }
    return leases;
  }

  /** Another task's lease on one of `files` (declared paths or globs), and the file, if any. */
  async blocking(task: string, files: readonly string[]): Promise<{ lease: FileLease; file: string } | undefined> {
    if (files.length === 0) return undefined;
    for (const lease of await this.active()) {
      if (lease.task === task) continue;
      const file = sharedPath(files, lease.files);
      if (file !== undefined) return { lease, file };
    }
    return undefined;
  }
}
