import type { Redis } from 'ioredis';
import { taskBranch } from '../git/index.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { Peer } from '../memory/index.ts';
import type { Task } from '../queue/types.ts';
import { sharedPath } from '../roles/index.ts';

/**
 * The branches being worked on now, as the controller last ingested them,
 * for conflict prediction: two whose changes touch the same files are told
 * in their briefs, and a pair whose merge `git merge-tree` finds conflicting
 * is flagged before either merges. Kept in Redis so controllers sharing a
 * queue see each other's branches; an entry older than `maxAgeMs` belongs to
 * a task that cannot still be running and is dropped.
 */

interface BranchEntry {
  role: string;
  /** Globs the task declared (its `files`). */
  declared: string[];
  /** The branch head and the files it changes against main, once ingested. */
  head?: string;
  files: string[];
  at: number;
}

/** Another active task whose work meets this one's. */
export interface BranchOverlap {
  task: string;
  role: string;
  /** Files both branches change (or this task declared and the other changes). */
  files: string[];
  /** Files a merge of the two branches conflicts in; empty when they merge cleanly or are not both ingested. */
  conflicts: string[];
}

const MAX_REMEMBERED = 10_000;

export class ActiveBranches {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #repo: Pick<ControllerRepo, 'conflictsBetween'>;
  readonly #maxAgeMs: number;
  /** merge-tree answers by the pair of heads: a head never changes what it holds. */
  readonly #predicted = new Map<string, string[]>();
  /** Pairs of heads already flagged as conflicting: one flag each. */
  readonly #flagged = new Set<string>();

  constructor(redis: Redis, prefix: string, repo: Pick<ControllerRepo, 'conflictsBetween'>, maxAgeMs: number) {
    this.#redis = redis;
    this.#key = `${prefix}:branches`;
    this.#repo = repo;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The task's attempt began: its declared files are visible to the others from now. */
  async start(task: Task): Promise<void> {
    await this.#write(task.id, { role: task.role, declared: task.files, files: [], at: Date.now() });
  }

  /** The task's branch as just ingested; returns the other branches a merge with it newly conflicts with. */
  async update(task: Task, head: string, files: readonly string[]): Promise<BranchOverlap[]> {
    await this.#write(task.id, { role: task.role, declared: task.files, head, files: [...files], at: Date.now() });
    const entries = await this.#entries();
    return (await this.#overlapsIn(entries, task.id)).filter((overlap) => {
      const key = [head, entries.get(overlap.task)?.head].sort().join(':');
      if (overlap.conflicts.length === 0 || this.#flagged.has(key)) return false;
      if (this.#flagged.size >= MAX_REMEMBERED) this.#flagged.clear();
      this.#flagged.add(key);
      return true;
    });
  }

  async end(taskId: string): Promise<void> {
    await this.#redis.hdel(this.#key, taskId);
  }

  /** Every other active task, with the files its branch changes (or, before its first ingest, the files it declared). */
  async peers(taskId: string): Promise<Peer[]> {
    return [...(await this.#entries())].filter(([task]) => task !== taskId).map(([task, entry]) => ({ task, role: entry.role, branch: taskBranch(task), files: filesOf(entry) }));
  }

  /** What this task's work is about now: the files its branch changes, else those it declared. */
  async files(taskId: string): Promise<string[]> {
    const entry = (await this.#entries()).get(taskId);
    return entry ? filesOf(entry) : [];
  }

  /** The other active branches that meet this task's: by changed files, else by its declared files. */
  async overlaps(taskId: string): Promise<BranchOverlap[]> {
    return this.#overlapsIn(await this.#entries(), taskId);
  }

  async #overlapsIn(entries: ReadonlyMap<string, BranchEntry>, taskId: string): Promise<BranchOverlap[]> {
    const own = entries.get(taskId);
    if (!own) return [];
    const found: BranchOverlap[] = [];
    for (const [other, entry] of entries) {
      if (other === taskId) continue;
      const files = own.head ? sharedFiles(own.files, entry.files) : declaredIn(own.declared, entry.files);
      if (files.length === 0) continue;
      const conflicts = own.head && entry.head ? await this.#conflicts(own.head, entry.head) : [];
      found.push({ task: other, role: entry.role, files, conflicts });
    }
    return found;
  }

  async #conflicts(a: string, b: string): Promise<string[]> {
    const key = [a, b].sort().join(':');
    let conflicts = this.#predicted.get(key);
    if (conflicts === undefined) {
      // Days of branches: forget old pairs rather than grow without end (an answer is cheap to find again).
      if (this.#predicted.size >= MAX_REMEMBERED) this.#predicted.clear();
      conflicts = await this.#repo.conflictsBetween(a, b);
      this.#predicted.set(key, conflicts);
    }
    return conflicts;
  }

  async #entries(): Promise<Map<string, BranchEntry>> {
    const now = Date.now();
    const entries = new Map<string, BranchEntry>();
    for (const [taskId, json] of Object.entries(await this.#redis.hgetall(this.#key))) {
      const entry = JSON.parse(json) as BranchEntry;
      if (now - entry.at <= this.#maxAgeMs) entries.set(taskId, entry);
      else await this.#redis.hdel(this.#key, taskId);
    }
    return entries;
  }

  async #write(taskId: string, entry: BranchEntry): Promise<void> {
    await this.#redis.hset(this.#key, taskId, JSON.stringify(entry));
  }
}

function filesOf(entry: BranchEntry): string[] {
  return entry.head ? entry.files : entry.declared;
}

function sharedFiles(a: readonly string[], b: readonly string[]): string[] {
  const inB = new Set(b);
  return a.filter((file) => inB.has(file));
}

/** The other branch's changed files that this task's declared globs name. */
function declaredIn(declared: readonly string[], files: readonly string[]): string[] {
  return files.filter((file) => sharedPath(declared, [file]) !== undefined);
}
