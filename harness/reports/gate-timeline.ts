import type { JournalEvent } from './events.ts';

/**
 * One step of branches toward main: a gate run of a branch (alone, or in a
 * batch of `batch` branches), a merge, or the gate sending a branch back.
 */
export type GateStep =
  | { kind: 'tested'; at: string; task: string; passed: boolean; durationMs: number; batch: number; commit: string }
  | { kind: 'merged'; at: string; task: string; commit: string }
  | { kind: 'rejected'; at: string; task: string; reason: string; final: boolean };

/** The gate's steps, newest first, at most `limit`; a rejection is one the gate made (its code starts with GATE_ or MERGE_). */
export function gateTimeline(events: readonly JournalEvent[], limit: number): GateStep[] {
  const steps: GateStep[] = [];
  for (let i = events.length - 1; i >= 0 && steps.length < limit; i -= 1) {
    const event = events[i];
    if (event === undefined) continue;
    if (event.type === 'gate.result') {
      steps.push({ kind: 'tested', at: event.ts, task: event.task, passed: event.passed, durationMs: event.durationMs, batch: event.batch, commit: event.commit });
    } else if (event.type === 'task.merged') {
      steps.push({ kind: 'merged', at: event.ts, task: event.task, commit: event.commit });
    } else if (event.type === 'attempt.failed' && /^(GATE|MERGE)_/.test(event.code ?? '')) {
      steps.push({ kind: 'rejected', at: event.ts, task: event.task, reason: event.reason, final: event.final });
    }
  }
  return steps;
}
