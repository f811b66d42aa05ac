import type { Redis } from 'ioredis';
import type { MemoryEntry, MemoryKind, NewMemoryEntry } from './memory-entry.ts';

export interface MemoryFilter {
  kind?: MemoryKind;
  task?: string;
}

/**
 * The run's shared memory: an append-only Redis stream (durable with the
 * AOF gantry requires), one entry per record, never edited. Readers filter
 * in memory: a run of days writes thousands of entries, not millions.
 */
export class MemoryStore {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:memory`;
  }

  async append(entry: NewMemoryEntry): Promise<MemoryEntry> {
    const at = new Date().toISOString();
    const id = await this.#redis.xadd(this.#key, '*', 'entry', JSON.stringify({ ...entry, at }));
    if (id === null) throw new Error(`memory stream ${this.#key} refused an entry`);
    return { ...entry, at, id };
  }

  /** Oldest first. */
  async list(filter: MemoryFilter = {}): Promise<MemoryEntry[]> {
    const rows = await this.#redis.xrange(this.#key, '-', '+');
    return rows.map(([id, fields]) => toEntry(id, fields))
      .filter((entry) => (!filter.kind || entry.kind === filter.kind) && (!filter.task || entry.task === filter.task));
  }

  async get(id: string): Promise<MemoryEntry | undefined> {
    const [row] = await this.#redis.xrange(this.#key, id, id);
    return row ? toEntry(row[0], row[1]) : undefined;
  }

  /** The id of the newest entry a task's briefs have shown from its inbox. */
  async seen(task: string): Promise<string | undefined> {
    return (await this.#redis.hget(`${this.#key}:seen`, task)) ?? undefined;
  }

  async markSeen(task: string, id: string): Promise<void> {
    await this.#redis.hset(`${this.#key}:seen`, task, id);
  }
}

/** A stream row (`entry` → JSON) as an entry. */
function toEntry(id: string, fields: readonly string[]): MemoryEntry {
  return { ...(JSON.parse(fields[1] ?? '{}') as Omit<MemoryEntry, 'id'>), id };
}
