import type { JournalEvent } from './events.ts';

export type TaskStatus = 'queued' | 'running' | 'merged' | 'failed';

export interface TaskReport {
  id: string;
  role: string;
  status: TaskStatus;
  sessions: number;
  /** Gate suite runs this branch was part of (alone or in a batch). */
  gateRuns: number;
  /** Time in those runs. */
  gateTestMs: number;
  /** Time at the gate not spent testing it: waiting for the lock, other batches, merging. */
  gateWaitMs: number;
  merges: string[];
  reason?: string;
}

/** The stable JSON shape of `gantry report --format json` (see docs/reports.md). */
export interface RunReport {
  run: string;
  tasks: TaskReport[];
  totals: {
    tasks: number;
    merged: number;
    failed: number;
    sessions: number;
    /** Full-suite runs of the gate (a batch run counts once). */
    suiteRuns: number;
    /** suiteRuns / merged: what the gate spent per branch let in. */
    suiteRunsPerMerge: number;
  };
}

function entry(tasks: Map<string, TaskReport>, id: string, role = 'core'): TaskReport {
  let task = tasks.get(id);
  if (!task) {
    task = { id, role, status: 'queued', sessions: 0, gateRuns: 0, gateTestMs: 0, gateWaitMs: 0, merges: [] };
    tasks.set(id, task);
  }
  return task;
}

/** Folds a run's journal into its report. */
export function buildReport(run: string, events: readonly JournalEvent[]): RunReport {
  const tasks = new Map<string, TaskReport>();
  const suiteRuns = new Set<string>();
  // When each task's branch reached the gate, until the gate let it in or sent it back.
  const atGate = new Map<string, { since: number; testMs: number }>();
  const leaveGate = (id: string, ts: string) => {
    const stay = atGate.get(id);
    if (!stay) return;
    atGate.delete(id);
    entry(tasks, id).gateWaitMs += Math.max(0, Date.parse(ts) - stay.since - stay.testMs);
  };
  for (const event of events) {
    switch (event.type) {
      case 'task.queued':
        entry(tasks, event.task, event.role);
        break;
      case 'attempt.started': {
        const task = entry(tasks, event.task, event.role);
        task.role = event.role;
        if (task.status === 'queued') task.status = 'running';
        break;
      }
      case 'session.ended':
        entry(tasks, event.task).sessions += 1;
        break;
      case 'gate.submitted':
        atGate.set(event.task, { since: Date.parse(event.ts), testMs: 0 });
        break;
      case 'gate.result': {
        const task = entry(tasks, event.task);
        task.gateRuns += 1;
        task.gateTestMs += event.durationMs;
        const stay = atGate.get(event.task);
        if (stay) stay.testMs += event.durationMs;
        suiteRuns.add(event.commit);
        break;
      }
      case 'task.merged': {
        leaveGate(event.task, event.ts);
        const task = entry(tasks, event.task);
        // A restarted controller may journal the same merge again; it is one merge.
        if (!task.merges.includes(event.commit)) task.merges.push(event.commit);
        task.status = 'merged';
        delete task.reason;
        break;
      }
      case 'attempt.failed': {
        leaveGate(event.task, event.ts);
        const task = entry(tasks, event.task);
        if (task.status === 'merged') break;
        task.reason = event.reason;
        task.status = event.final ? 'failed' : 'running';
        break;
      }
      default:
        break;
    }
  }
  const list = [...tasks.values()];
  const merged = list.filter((t) => t.status === 'merged').length;
  return {
    run,
    tasks: list,
    totals: {
      tasks: list.length,
      merged,
      failed: list.filter((t) => t.status === 'failed').length,
      sessions: list.reduce((sum, t) => sum + t.sessions, 0),
      suiteRuns: suiteRuns.size,
      suiteRunsPerMerge: merged === 0 ? 0 : Math.round((suiteRuns.size / merged) * 100) / 100,
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The report as Markdown, for a terminal or a pull request. */
export function renderMarkdown(report: RunReport): string {
  const { totals } = report;
  const lines = [
    `# gantry run ${report.run}`,
    '',
    `${totals.tasks} tasks: ${totals.merged} merged, ${totals.failed} failed, ${totals.tasks - totals.merged - totals.failed} open; ${totals.sessions} sessions; ${totals.suiteRuns} gate suite runs (${totals.suiteRunsPerMerge} per merge).`,
    '',
    '| task | role | status | sessions | gate runs | gate testing | gate waiting | merged as | reason |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const task of report.tasks) {
    const merges = task.merges.map((c) => c.slice(0, 10)).join(', ');
    const reason = (task.reason ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| ${task.id} | ${task.role} | ${task.status} | ${task.sessions} | ${task.gateRuns} | ${seconds(task.gateTestMs)} | ${seconds(task.gateWaitMs)} | ${merges} | ${reason} |`);
  }
  return `${lines.join('\n')}\n`;
}
