/**
 * Everything the journal records. One line of journal.jsonl is one event;
 * the report is computed from these alone, so they carry what it needs.
 */
export type SessionEnd = 'done' | 'continue' | 'failed' | 'timeout' | 'oom' | 'aborted';

export type JournalEventBody =
  | { type: 'run.started'; controller: string; concurrency: number }
  | { type: 'run.stopped'; controller: string; reason: string }
  | { type: 'task.queued'; task: string; role: string; text: string }
  | { type: 'attempt.started'; task: string; role: string; attempt: number; fence: number }
  | { type: 'session.started'; task: string; attempt: number; session: number }
  | { type: 'session.ended'; task: string; attempt: number; session: number; exitCode: number | null; end: SessionEnd; durationMs: number }
  | { type: 'gate.submitted'; task: string; attempt: number; head: string }
  /** One test run of the gate; `batch` branches were tested together, so a failure may be another's. */
  | { type: 'gate.result'; task: string; attempt: number; commit: string; passed: boolean; exitCode: number | null; durationMs: number; batch: number }
  | { type: 'task.merged'; task: string; attempt: number; commit: string }
  | { type: 'attempt.failed'; task: string; attempt: number; reason: string; final: boolean };

export type JournalEvent = JournalEventBody & { ts: string; run: string };
