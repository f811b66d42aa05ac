/**
 * What sessions leave for each other (seeds 000, 003, 004): decisions and
 * lessons every later session of matching work reads, a handoff for the next
 * session of the same task, notes on the shared feed, messages to a task, a
 * role or everyone, and the summary an agent gives when it declares done.
 */
export const MEMORY_KINDS = ['decision', 'lesson', 'handoff', 'note', 'message', 'summary'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** Who a message is for: one task by id, every task of a role, or `all`. */
export const EVERYONE = 'all';

export interface NewMemoryEntry {
  kind: MemoryKind;
  /** The task that wrote it (its token's task; an agent cannot write as another). */
  task: string;
  role: string;
  text: string;
  /** Why, for a decision. */
  why?: string;
  /** For a message: a task id, a role name or `all`. */
  to?: string;
  /** The files the writer's task declared or changed when it wrote: decisions and lessons reach the tasks that meet them. */
  files?: string[];
}

export interface MemoryEntry extends NewMemoryEntry {
  /** Unique, increasing in the order written (a Redis stream id). */
  id: string;
  /** ISO time it was written. */
  at: string;
}

/** Whether a message is addressed to this task (by id, role or to everyone), not counting its own. */
export function isFor(entry: MemoryEntry, task: { id: string; role: string }): boolean {
  return entry.kind === 'message' && entry.task !== task.id && (entry.to === task.id || entry.to === task.role || entry.to === EVERYONE);
}

/** A one-line form for lists: `id kind task(role) → to: text`. */
export function entryLine(entry: MemoryEntry): string {
  const to = entry.to ? ` → ${entry.to}` : '';
  return `${entry.id}  ${entry.at}  ${entry.kind}  ${entry.task} (${entry.role})${to}: ${entry.text}${entry.why ? ` — why: ${entry.why}` : ''}`;
}

/** Case-insensitive search over what an entry says, who wrote it and the files it names. */
export function matches(entry: MemoryEntry, query: string): boolean {
  const needle = query.toLowerCase();
  return [entry.text, entry.why ?? '', entry.task, entry.role, entry.to ?? '', ...(entry.files ?? [])].some((field) => field.toLowerCase().includes(needle));
}
