import { GantryError } from '../harness/errors.ts';
import type { JournalEvent } from '../harness/reports/index.ts';

/** Where one merged task's time went, from its journal events (the attempt that merged). */
export interface TaskPhases {
  task: string;
  /** attempt.started → task.merged */
  spanMs: number;
  /** attempt.started → first session.started: work tree, brief. */
  prepareMs: number;
  /** first session.started → last session.ended: the agent container(s). */
  sessionsMs: number;
  /** last session.ended → gate.result: ingest, waiting for the batch ahead and the merge lock, merge-tree, export, the test container. */
  gateMs: number;
  /** Of gateMs, the test container alone (as the gate reports it). */
  testContainerMs: number;
  /** gate.result → task.merged: compare-and-swap and push. */
  mergeMs: number;
}

export interface JournalTiming {
  tasks: TaskPhases[];
  /** First attempt.started → last task.merged. */
  windowMs: number;
  /** First attempt.started → last session.ended: the rest of the window is the gate queue draining. */
  sessionsDoneMs: number;
  /** Most agent sessions running at one moment. */
  peakSessions: number;
}

const at = (event: JournalEvent) => Date.parse(event.ts);

function phasesOf(events: readonly JournalEvent[], merged: Extract<JournalEvent, { type: 'task.merged' }>): TaskPhases {
  const mine = events.filter((e) => 'task' in e && e.task === merged.task && 'attempt' in e && e.attempt === merged.attempt);
  const find = <T extends JournalEvent['type']>(type: T, last = false) => {
    const found = mine.filter((e): e is Extract<JournalEvent, { type: T }> => e.type === type);
    const event = last ? found.at(-1) : found[0];
    if (!event) throw new GantryError('ILLEGAL_STATE', `journal: task ${merged.task} merged without a ${type} event in attempt ${merged.attempt}; the journal is incomplete`);
    return event;
  };
  const started = find('attempt.started');
  const sessionStart = find('session.started');
  const sessionEnd = find('session.ended', true);
  const gate = find('gate.result', true);
  return {
    task: merged.task,
    spanMs: at(merged) - at(started),
    prepareMs: at(sessionStart) - at(started),
    sessionsMs: at(sessionEnd) - at(sessionStart),
    gateMs: at(gate) - at(sessionEnd),
    testContainerMs: gate.durationMs,
    mergeMs: at(merged) - at(gate),
  };
}

function peakSessions(events: readonly JournalEvent[]): number {
  let running = 0;
  let peak = 0;
  for (const event of events) {
    if (event.type === 'session.started') peak = Math.max(peak, ++running);
    if (event.type === 'session.ended') running -= 1;
  }
  return peak;
}

/** Timing of a run that was meant to merge `expected` tasks; fails if it merged fewer. */
export function journalTiming(events: readonly JournalEvent[], expected: number): JournalTiming {
  const merges = events.filter((e): e is Extract<JournalEvent, { type: 'task.merged' }> => e.type === 'task.merged');
  if (merges.length !== expected) {
    const failures = events.filter((e) => e.type === 'attempt.failed').map((e) => JSON.stringify(e));
    throw new GantryError('ILLEGAL_STATE', `bench run merged ${merges.length} of ${expected} tasks; failures: ${failures.join('; ') || 'none recorded'}`);
  }
  const firstStart = Math.min(...events.filter((e) => e.type === 'attempt.started').map(at));
  const lastMerge = Math.max(...merges.map(at));
  const lastSessionEnd = Math.max(...events.filter((e) => e.type === 'session.ended').map(at));
  return {
    tasks: merges.map((m) => phasesOf(events, m)),
    windowMs: lastMerge - firstStart,
    sessionsDoneMs: lastSessionEnd - firstStart,
    peakSessions: peakSessions(events),
  };
}
