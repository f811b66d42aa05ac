import type { MainCommit } from '../git/types.ts';
import type { TaskRecord } from '../queue/types.ts';
import { firstOf } from '../text.ts';

/** Most files one task names: a hint to the agent, not an inventory. */
const MAX_FILES = 50;

/** Files named per merge. */
const FILES_PER_MERGE = 10;

/** The merges as a Markdown list: short commit, the task it merged, the files it changed. */
export function commitList(commits: readonly MainCommit[]): string {
  return commits
    .map((c) => `- ${c.commit.slice(0, 12)}${c.taskId ? ` (task ${c.taskId})` : ''}: ${firstOf(c.files, FILES_PER_MERGE)}`)
    .join('\n');
}

export function changedFiles(commits: readonly MainCommit[]): string[] {
  return [...new Set(commits.flatMap((c) => c.files))].sort().slice(0, MAX_FILES);
}

/** A task not yet ended: waiting, delayed or running. */
export function isOpen(record: TaskRecord): boolean {
  return record.state === 'waiting' || record.state === 'delayed' || record.state === 'active';
}

/** Whether a task whose subject starts with `prefix` has not ended: a second one would be the same work. */
export function hasOpenTask(records: readonly TaskRecord[], prefix: string): boolean {
  return records.some((r) => isOpen(r) && (r.task.subject ?? '').startsWith(prefix));
}
