import { createHash } from 'node:crypto';
import type { TaskSpec } from './types.ts';

/**
 * Text that differs only in spacing or Unicode composition names the same
 * task, so re-adding it (from a shell, an edited file, another source run)
 * does not queue a second copy.
 */
export function normalizeTaskText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/**
 * The task's identity: its source and what it is about. Used as the BullMQ
 * jobId, so one subject is never queued twice, even after its job has ended.
 * BullMQ refuses a jobId that reads as an integer ("Custom Id cannot be
 * integers"), and about one hash in 2,000 is all digits: its first digit
 * becomes `f`. Every other id stays as it was, so tasks already queued keep
 * their ids.
 */
/** A short key of what the task is about, the same whatever source queued it: duplicate work is counted by it. */
export function subjectKey(spec: Pick<TaskSpec, 'subject' | 'text'>): string {
  return createHash('sha256').update(spec.subject ?? normalizeTaskText(spec.text)).digest('hex').slice(0, 16);
}

export function taskId(spec: Pick<TaskSpec, 'source' | 'subject' | 'text'>): string {
  const subject = spec.subject ?? normalizeTaskText(spec.text);
  const hex = createHash('sha256').update(`${spec.source}\0${subject}`).digest('hex').slice(0, 16);
  return /^\d+$/.test(hex) ? `f${hex.slice(1)}` : hex;
}
