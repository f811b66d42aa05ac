import type { JournalEvent } from './events.ts';
import { ratio } from './numbers.ts';

/**
 * How well parallel agents kept out of each other's way (issue 8's measures,
 * after seed 001): branches that hit a conflict at the gate, sessions spent
 * on a subject another task had already done or was doing, and the share of
 * branches at the gate that merged.
 */
export interface CoordinationMetrics {
  /** Branches that reached the gate (one per attempt that got there). */
  submissions: number;
  /** Attempts sent back because their branch conflicted with main. */
  conflicts: number;
  /** conflicts / submissions; null with no submission. */
  conflictRate: number | null;
  /** Branches merged. */
  merges: number;
  /** merges / submissions; null with no submission. */
  mergeSuccessRate: number | null;
  sessions: number;
  /** Sessions that started while another task of the same subject was running or had merged. */
  duplicateSessions: number;
  /** duplicateSessions / sessions; null with no session. */
  duplicateRate: number | null;
  /** merges per hour of the report's window; null for an empty window. */
  mergesPerHour: number | null;
}

export interface CoordinationReport {
  total: CoordinationMetrics;
  /** By the role each attempt ran under, by name. */
  roles: Array<{ role: string } & CoordinationMetrics>;
}

interface Counts {
  submissions: number;
  conflicts: number;
  merges: number;
  sessions: number;
  duplicateSessions: number;
}

/** Older journals have no error code: a conflict is told by the gate's words. */
const CONFLICT_WORDS = /the branch conflicts with main/;

export function coordinationOf(events: readonly JournalEvent[], windowMs: number): CoordinationReport {
  const ordered = [...events].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const roleOfAttempt = new Map<string, string>();
  const subjectOf = new Map<string, string>();
  const active = new Map<string, Set<string>>();
  const mergedBy = new Map<string, string>();
  const mergedTasks = new Set<string>();
  const total = emptyCounts();
  const byRole = new Map<string, Counts>();
  const count = (task: string, attempt: number, field: keyof Counts) => {
    const role = roleOfAttempt.get(`${task}#${attempt}`) ?? 'unknown';
    const counts = byRole.get(role) ?? emptyCounts();
    byRole.set(role, counts);
    counts[field] += 1;
    total[field] += 1;
  };
  const leave = (task: string) => active.get(subjectOf.get(task) ?? task)?.delete(task);

  for (const event of ordered) {
    switch (event.type) {
      case 'attempt.started': {
        roleOfAttempt.set(`${event.task}#${event.attempt}`, event.role);
        const subject = event.subject ?? event.task;
        subjectOf.set(event.task, subject);
        const working = active.get(subject) ?? new Set<string>();
        working.add(event.task);
        active.set(subject, working);
        break;
      }
      case 'session.started': {
        count(event.task, event.attempt, 'sessions');
        const subject = subjectOf.get(event.task) ?? event.task;
        const others = [...(active.get(subject) ?? [])].some((task) => task !== event.task);
        const done = mergedBy.get(subject);
        if (others || (done !== undefined && done !== event.task)) count(event.task, event.attempt, 'duplicateSessions');
        break;
      }
      case 'gate.submitted':
        count(event.task, event.attempt, 'submissions');
        break;
      case 'task.merged': {
        leave(event.task);
        // A restarted controller may journal one merge twice.
        if (mergedTasks.has(event.task)) break;
        mergedTasks.add(event.task);
        const subject = subjectOf.get(event.task) ?? event.task;
        if (!mergedBy.has(subject)) mergedBy.set(subject, event.task);
        count(event.task, event.attempt, 'merges');
        break;
      }
      case 'attempt.failed':
        leave(event.task);
        if (event.code === 'MERGE_CONFLICT' || (event.code === undefined && CONFLICT_WORDS.test(event.reason))) count(event.task, event.attempt, 'conflicts');
        break;
      default:
        break;
    }
  }
  const metrics = (counts: Counts) => toMetrics(counts, windowMs);
  const roles = [...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([role, counts]) => ({ role, ...metrics(counts) }));
  return { total: metrics(total), roles };
}

function emptyCounts(): Counts {
  return { submissions: 0, conflicts: 0, merges: 0, sessions: 0, duplicateSessions: 0 };
}

function toMetrics(counts: Counts, windowMs: number): CoordinationMetrics {
  return {
    ...counts,
    conflictRate: ratio(counts.conflicts, counts.submissions, 4),
    mergeSuccessRate: ratio(counts.merges, counts.submissions, 4),
    duplicateRate: ratio(counts.duplicateSessions, counts.sessions, 4),
    mergesPerHour: ratio(counts.merges * 3_600_000, windowMs, 2),
  };
}
