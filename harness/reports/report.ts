import { coordinationOf } from './coordination.ts';
import type { BudgetScope, JournalEvent } from './events.ts';
import { ratio, roundUsd } from './numbers.ts';
import type { MergeReport, RejectionReport, RoleReport, RunReport, SessionCost, StopReport, TaskReport } from './report-types.ts';
import { eventsSince } from './since.ts';
import { buildTimeline, type TimedEntry } from './timeline.ts';

export interface ReportOptions {
  /** Read only the events at or after this time. */
  since?: Date;
}

/** What the fold keeps about a task beyond what its report shows. */
interface TaskState {
  report: TaskReport;
  /** When it was queued, or first taken when the queueing is not in the window. */
  startedAt?: number;
  attempts: Set<number>;
  attemptRoles: Map<number, string>;
  failedAttempts: Set<number>;
  sessions: SessionCost[];
  /** The latest budget or key refusal that holds it up; a later session or merge clears it. */
  stop?: StopReport;
}

function stateOf(tasks: Map<string, TaskState>, id: string, role = 'core'): TaskState {
  let state = tasks.get(id);
  if (!state) {
    state = {
      report: {
        id, role, status: 'queued', attempts: 0, sessions: 0, gateRuns: 0, gateTestMs: 0, gateWaitMs: 0, merges: [],
        costUsd: 0, wasteUsd: 0, inputTokens: 0, outputTokens: 0,
      },
      attempts: new Set(),
      attemptRoles: new Map(),
      failedAttempts: new Set(),
      sessions: [],
    };
    tasks.set(id, state);
  }
  return state;
}

/** The scope alone, without the event's other fields. */
function budgetOf(event: BudgetScope): BudgetScope {
  if (event.scope === 'role') return { scope: 'role', role: event.role };
  if (event.scope === 'task') return { scope: 'task', task: event.task };
  return { scope: 'run' };
}

/** Decides, once the task's fate is known, whether each session's spend bought a merge, was wasted, or is still open. */
function settleSessions(state: TaskState): void {
  const { report } = state;
  for (const session of state.sessions) {
    if (state.failedAttempts.has(session.attempt) || report.status === 'failed') session.outcome = 'wasted';
    else session.outcome = report.status === 'merged' ? 'merged' : 'open';
    report.costUsd += session.costUsd;
    if (session.outcome === 'wasted') report.wasteUsd += session.costUsd;
    report.inputTokens += session.inputTokens;
    report.outputTokens += session.outputTokens;
  }
  report.costUsd = roundUsd(report.costUsd);
  report.wasteUsd = roundUsd(report.wasteUsd);
}

function rolesOf(tasks: readonly TaskReport[], sessions: readonly SessionCost[]): RoleReport[] {
  const roles = new Map<string, RoleReport>();
  const roleOf = (name: string): RoleReport => {
    let role = roles.get(name);
    if (!role) {
      role = { role: name, tasks: 0, merged: 0, failed: 0, sessions: 0, costUsd: 0, wasteUsd: 0, costPerMergeUsd: null };
      roles.set(name, role);
    }
    return role;
  };
  for (const task of tasks) {
    const role = roleOf(task.role);
    role.tasks += 1;
    if (task.status === 'merged') role.merged += 1;
    if (task.status === 'failed') role.failed += 1;
  }
  // Spend goes to the role the attempt ran under, which is the task's unless it was re-queued under another.
  for (const session of sessions) {
    const role = roleOf(session.role);
    role.sessions += 1;
    role.costUsd += session.costUsd;
    if (session.outcome === 'wasted') role.wasteUsd += session.costUsd;
  }
  return [...roles.values()].map((role) => ({
    ...role,
    costUsd: roundUsd(role.costUsd),
    wasteUsd: roundUsd(role.wasteUsd),
    costPerMergeUsd: ratio(role.costUsd, role.merged, 6),
  }));
}

/** Folds a run's journal into its report. */
export function buildReport(run: string, allEvents: readonly JournalEvent[], options: ReportOptions = {}): RunReport {
  const events = options.since ? eventsSince(allEvents, options.since) : allEvents;
  const tasks = new Map<string, TaskState>();
  const suiteRuns = new Set<string>();
  const rejections: RejectionReport[] = [];
  const mergeEvents: Array<{ task: string; commit: string; at: string }> = [];
  // When each task's branch reached the gate, until the gate let it in or sent it back.
  const atGate = new Map<string, { since: number; testMs: number }>();
  const leaveGate = (id: string, ts: string) => {
    const stay = atGate.get(id);
    if (!stay) return;
    atGate.delete(id);
    stateOf(tasks, id).report.gateWaitMs += Math.max(0, Date.parse(ts) - stay.since - stay.testMs);
  };
  for (const event of events) {
    switch (event.type) {
      case 'task.queued': {
        const state = stateOf(tasks, event.task, event.role);
        state.report.text ??= event.text;
        state.startedAt ??= Date.parse(event.ts);
        break;
      }
      case 'task.withdrawn': {
        const task = stateOf(tasks, event.task).report;
        if (task.status === 'queued') {
          task.status = 'withdrawn';
          task.reason = event.reason;
        }
        break;
      }
      case 'attempt.started': {
        const state = stateOf(tasks, event.task, event.role);
        const task = state.report;
        task.role = event.role;
        if (event.agent !== undefined) task.agent = event.agent;
        if (task.status === 'queued') task.status = 'running';
        state.startedAt ??= Date.parse(event.ts);
        state.attempts.add(event.attempt);
        state.attemptRoles.set(event.attempt, event.role);
        break;
      }
      case 'session.started':
        delete stateOf(tasks, event.task).stop;
        break;
      case 'session.ended': {
        const state = stateOf(tasks, event.task);
        state.report.sessions += 1;
        state.sessions.push({
          task: event.task,
          role: state.attemptRoles.get(event.attempt) ?? state.report.role,
          attempt: event.attempt,
          session: event.session,
          at: event.ts,
          end: event.end,
          durationMs: event.durationMs,
          ...(event.provider === undefined ? {} : { provider: event.provider }),
          costUsd: event.costUsd ?? 0,
          inputTokens: event.inputTokens ?? 0,
          outputTokens: event.outputTokens ?? 0,
          outcome: 'open',
        });
        break;
      }
      case 'budget.reached': {
        const state = stateOf(tasks, event.task);
        state.stop = { kind: 'budget', task: event.task, role: state.report.role, at: event.ts, budget: budgetOf(event), limitUsd: event.limitUsd, spentUsd: event.spentUsd };
        break;
      }
      case 'provider.auth': {
        const state = stateOf(tasks, event.task);
        state.stop = { kind: 'auth', task: event.task, role: state.report.role, at: event.ts, provider: event.provider, message: event.message };
        break;
      }
      case 'scope.flagged': {
        const task = stateOf(tasks, event.task).report;
        task.outOfScope = [...new Set([...(task.outOfScope ?? []), ...event.files])].sort();
        break;
      }
      case 'gate.submitted':
        atGate.set(event.task, { since: Date.parse(event.ts), testMs: 0 });
        break;
      case 'gate.result': {
        const task = stateOf(tasks, event.task).report;
        task.gateRuns += 1;
        task.gateTestMs += event.durationMs;
        const stay = atGate.get(event.task);
        if (stay) stay.testMs += event.durationMs;
        suiteRuns.add(event.commit);
        break;
      }
      case 'task.merged': {
        leaveGate(event.task, event.ts);
        const state = stateOf(tasks, event.task);
        const task = state.report;
        // A restarted controller may journal the same merge again; it is one merge.
        if (!task.merges.includes(event.commit)) {
          task.merges.push(event.commit);
          mergeEvents.push({ task: event.task, commit: event.commit, at: event.ts });
        }
        if (task.timeToMergeMs === undefined && state.startedAt !== undefined) task.timeToMergeMs = Math.max(0, Date.parse(event.ts) - state.startedAt);
        task.status = 'merged';
        delete task.reason;
        delete state.stop;
        break;
      }
      case 'attempt.failed': {
        leaveGate(event.task, event.ts);
        const state = stateOf(tasks, event.task);
        const task = state.report;
        state.failedAttempts.add(event.attempt);
        rejections.push({ task: event.task, role: state.attemptRoles.get(event.attempt) ?? task.role, attempt: event.attempt, at: event.ts, reason: event.reason, final: event.final });
        if (task.status === 'merged') break;
        task.reason = event.reason;
        task.status = event.final ? 'failed' : 'running';
        break;
      }
      default:
        break;
    }
  }

  const states = [...tasks.values()];
  for (const state of states) {
    state.report.attempts = state.attempts.size;
    settleSessions(state);
  }
  const list = states.map((state) => state.report);
  const sessions = states.flatMap((state) => state.sessions).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const merges: MergeReport[] = mergeEvents.map(({ task: id, commit, at }) => {
    const task = stateOf(tasks, id).report;
    return {
      task: id, role: task.role, ...(task.agent === undefined ? {} : { agent: task.agent }),
      sessions: task.sessions, gateRuns: task.gateRuns, commit, mergedAt: at, timeToMergeMs: task.timeToMergeMs ?? null, costUsd: task.costUsd,
    };
  });
  // Several processes append to one journal, so lines are only nearly in time order.
  let from: number | undefined;
  let to: number | undefined;
  for (const event of events) {
    const at = Date.parse(event.ts);
    if (from === undefined || at < from) from = at;
    if (to === undefined || at > to) to = at;
  }
  const timed: TimedEntry[] = [
    ...sessions.map((s) => ({ at: Date.parse(s.at), costUsd: s.costUsd, kind: 'session' as const })),
    ...mergeEvents.map((m) => ({ at: Date.parse(m.at), costUsd: 0, kind: 'merge' as const })),
  ];
  const sum = (pick: (s: SessionCost) => number, only?: SessionCost['outcome']) =>
    sessions.reduce((total, s) => (only === undefined || s.outcome === only ? total + pick(s) : total), 0);
  const merged = list.filter((t) => t.status === 'merged').length;
  const costUsd = sum((s) => s.costUsd);
  const windowMs = from === undefined || to === undefined ? 0 : to - from;
  return {
    run,
    ...(options.since ? { since: options.since.toISOString() } : {}),
    from: from === undefined ? null : new Date(from).toISOString(),
    to: to === undefined ? null : new Date(to).toISOString(),
    tasks: list,
    merges,
    rejections,
    stops: states.flatMap((state) => (state.stop ? [state.stop] : [])),
    sessions,
    roles: rolesOf(list, sessions),
    coordination: coordinationOf(events, windowMs),
    contained: events.flatMap((e) => (e.type === 'contained' ? [{ at: e.ts, task: e.task, attempt: e.attempt, ...(e.session === undefined ? {} : { session: e.session }), kind: e.kind, detail: e.detail }] : [])),
    timeline: buildTimeline(from, to, timed),
    totals: {
      tasks: list.length,
      merged,
      failed: list.filter((t) => t.status === 'failed').length,
      sessions: list.reduce((total, t) => total + t.sessions, 0),
      suiteRuns: suiteRuns.size,
      suiteRunsPerMerge: ratio(suiteRuns.size, merged, 2) ?? 0,
      rejections: rejections.length,
      costUsd: roundUsd(costUsd),
      wasteUsd: roundUsd(sum((s) => s.costUsd, 'wasted')),
      openUsd: roundUsd(sum((s) => s.costUsd, 'open')),
      inputTokens: sum((s) => s.inputTokens),
      outputTokens: sum((s) => s.outputTokens),
      costPerMergeUsd: ratio(costUsd, merged, 6),
      mergesPerHour: ratio(merged * 3_600_000, windowMs, 2),
    },
  };
}
