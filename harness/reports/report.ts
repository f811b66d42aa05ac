import type { JournalEvent } from './events.ts';

export type TaskStatus = 'queued' | 'running' | 'merged' | 'failed';

export interface TaskReport {
  id: string;
  role: string;
  status: TaskStatus;
  sessions: number;
  /** Gate suite runs this branch was part of (alone or in a batch). */
  gateRuns: number;
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
    task = { id, role, status: 'queued', sessions: 0, gateRuns: 0, merges: [] };
    tasks.set(id, task);
  }
  return task;
}

/** Folds a run's journal into its report. */
export function buildReport(run: string, events: readonly JournalEvent[]): RunReport {
  const tasks = new Map<string, TaskReport>();
  const suiteRuns = new Set<string>();
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
      case 'gate.result':
        entry(tasks, event.task).gateRuns += 1;
        suiteRuns.add(event.commit);
        break;
      case 'task.merged': {
        const task = entry(tasks, event.task);
        // A restarted controller may journal the same merge again; it is one merge.
        if (!task.merges.includes(event.commit)) task.merges.push(event.commit);
        task.status = 'merged';
        delete task.reason;
        break;
      }
      case 'attempt.failed': {
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

/** The report as Markdown, for a terminal or a pull request. */
export function renderMarkdown(report: RunReport): string {
  const { totals } = report;
  const lines = [
    `# gantry run ${report.run}`,
    '',
    `${totals.tasks} tasks: ${totals.merged} merged, ${totals.failed} failed, ${totals.tasks - totals.merged - totals.failed} open; ${totals.sessions} sessions; ${totals.suiteRuns} gate suite runs (${totals.suiteRunsPerMerge} per merge).`,
    '',
    '| task | role | status | sessions | gate runs | merged as | reason |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const task of report.tasks) {
    const merges = task.merges.map((c) => c.slice(0, 10)).join(', ');
    const reason = (task.reason ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| ${task.id} | ${task.role} | ${task.status} | ${task.sessions} | ${task.gateRuns} | ${merges} | ${reason} |`);
  }
  return `${lines.join('\n')}\n`;
}
