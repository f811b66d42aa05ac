import type { Redis } from 'ioredis';
import type { SessionRecord } from './types.ts';

/**
 * What the controller remembers about a task beside its BullMQ job: the
 * sessions run and why attempts failed (both go into the next brief), and the
 * merge state that makes a repeated merge step a no-op.
 */
export class TaskLedger {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async recordSession(taskId: string, entry: SessionRecord): Promise<void> {
    await this.#redis.rpush(this.#key(taskId, 'sessions'), JSON.stringify(entry));
  }

  async sessions(taskId: string): Promise<SessionRecord[]> {
    const entries = await this.#redis.lrange(this.#key(taskId, 'sessions'), 0, -1);
    return entries.map((entry) => JSON.parse(entry) as SessionRecord);
  }

  async recordFailure(taskId: string, reason: string): Promise<void> {
    await this.#redis.rpush(this.#key(taskId, 'failures'), reason);
  }

  async failures(taskId: string): Promise<string[]> {
    return this.#redis.lrange(this.#key(taskId, 'failures'), 0, -1);
  }

  /**
   * Written just before the ref update, so that a controller killed between
   * the update and markMerged can tell, after restart, which commit it was.
   */
  async markMerging(taskId: string, commit: string): Promise<void> {
    await this.#redis.set(this.#key(taskId, 'merging'), commit);
  }

  async merging(taskId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(taskId, 'merging'))) ?? undefined;
  }

  /** False when the task had already merged: the first merge is the one that counts. */
  async markMerged(taskId: string, commit: string): Promise<boolean> {
    return (await this.#redis.set(this.#key(taskId, 'merged'), commit, 'NX')) === 'OK';
  }

  async merged(taskId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(taskId, 'merged'))) ?? undefined;
  }

  /** The first task of a subject (subjectKey) to merge: any later task of that subject has nothing left to do. */
  async markSubjectMerged(subject: string, taskId: string, commit: string): Promise<void> {
    await this.#redis.set(`${this.#prefix}:subject-merged:${subject}`, JSON.stringify({ taskId, commit }), 'NX');
  }

  async subjectMerged(subject: string): Promise<{ taskId: string; commit: string } | undefined> {
    const json = await this.#redis.get(`${this.#prefix}:subject-merged:${subject}`);
    return json === null ? undefined : (JSON.parse(json) as { taskId: string; commit: string });
  }

  /** A branch head held because it changes trusted tests (`gate.testChanges: review`). */
  async hold(taskId: string, head: string): Promise<void> {
    await this.#redis.set(this.#key(taskId, 'held'), head);
  }

  async held(taskId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(taskId, 'held'))) ?? undefined;
  }

  /** A reviewer accepts the held head's test changes: that head (only) may pass the gate's test-change check. */
  async approve(taskId: string, head: string): Promise<void> {
    await this.#redis.set(this.#key(taskId, 'approved'), head);
  }

  async approved(taskId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(taskId, 'approved'))) ?? undefined;
  }

  #key(taskId: string, field: 'sessions' | 'failures' | 'merging' | 'merged' | 'held' | 'approved'): string {
    return `${this.#prefix}:ledger:${taskId}:${field}`;
  }
}
