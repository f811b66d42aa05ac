import type { JournalEvent } from './events.ts';

/**
 * `session`: an agent session runs; `between sessions`: the last one ended
 * and the next has not started (its brief is being written, or it waits for
 * a budget or a provider); `at the gate`: the branch is being tested for
 * main; `starting`: the attempt's work tree is being made.
 */
export type AgentStatus = 'starting' | 'session' | 'between sessions' | 'at the gate';

/** One attempt at work, as the journal tells it. */
export interface AgentAtWork {
  task: string;
  role: string;
  agent?: string;
  attempt: number;
  /** The latest session started (0 before the first). */
  session: number;
  status: AgentStatus;
  /** When the attempt started (ISO). */
  startedAt: string;
  /** When the status last changed (ISO). */
  since: string;
  /** What the task's sessions spent so far, every attempt together. */
  costUsd: number;
}

/**
 * Folds the journal into the attempts started and not yet ended (merged,
 * failed, stopped with the run). The journal cannot tell a killed
 * controller's attempt from a live one: the caller keeps only tasks its
 * queue holds as active.
 */
export function agentsAtWork(events: readonly JournalEvent[]): AgentAtWork[] {
  const working = new Map<string, AgentAtWork>();
  const spent = new Map<string, number>();
  const set = (task: string, ts: string, change: Partial<AgentAtWork>) => {
    const agent = working.get(task);
    if (agent) Object.assign(agent, { ...change, since: ts });
  };
  for (const event of events) {
    switch (event.type) {
      case 'attempt.started':
        working.set(event.task, {
          task: event.task, role: event.role, ...(event.agent === undefined ? {} : { agent: event.agent }), attempt: event.attempt,
          session: 0, status: 'starting', startedAt: event.ts, since: event.ts, costUsd: spent.get(event.task) ?? 0,
        });
        break;
      case 'session.started':
        set(event.task, event.ts, { session: event.session, status: 'session' });
        break;
      case 'session.ended': {
        const cost = (spent.get(event.task) ?? 0) + (event.costUsd ?? 0);
        spent.set(event.task, cost);
        set(event.task, event.ts, { status: 'between sessions', costUsd: cost });
        break;
      }
      case 'gate.submitted':
        set(event.task, event.ts, { status: 'at the gate' });
        break;
      case 'task.merged':
      case 'attempt.failed':
        working.delete(event.task);
        break;
    }
  }
  return [...working.values()];
}
