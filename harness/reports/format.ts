import type { RunReport, StopReport } from './report-types.ts';

/** Dollars with cents, or with four decimals below a cent, where session costs live. */
export function usd(amount: number | null): string {
  if (amount === null) return '–';
  if (Math.abs(amount) > 0 && Math.abs(amount) < 0.01) return `$${amount.toFixed(4)}`;
  // 1.325 is 1.32499… as a double and toFixed would print 1.32; shifting the decimal in the text rounds the written value.
  return `$${(Math.round(Number(`${amount}e2`)) / 100).toFixed(2)}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A span a person reads at a glance: `45 s`, `12 min`, `3.5 h`. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 60_000) return seconds(ms);
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Which budget stopped a task, or which provider refused its key, in one line. */
export function describeStop(stop: StopReport): string {
  if (stop.kind === 'auth') return `waiting on provider ${stop.provider}, which refused the key: ${stop.message}`;
  const { budget } = stop;
  const scope = budget.scope === 'role' ? `role ${budget.role}` : budget.scope === 'task' ? `task ${budget.task}` : 'run';
  return `stopped by the ${scope} budget: ${usd(stop.spentUsd)} spent of ${usd(stop.limitUsd)}`;
}

/** A bucket width in the unit it was chosen in: `30 s`, `5 min`, `1 h`. */
export function bucketLabel(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}

export function percent(share: number | null): string {
  return share === null ? '–' : `${(share * 100).toFixed(1)} %`;
}

/** The coordination metrics by role and in total, as both report formats show them. */
/** The containment table: one row per thing an agent was stopped or refused for. */
export function containedTable(report: RunReport): { header: string[]; rows: string[][] } {
  return {
    header: ['task', 'attempt', 'session', 'kind', 'what happened'],
    rows: report.contained.map((c) => [c.task, `${c.attempt}`, c.session === undefined ? '' : `${c.session}`, c.kind, c.detail]),
  };
}

export function coordinationTable(report: RunReport): { header: string[]; rows: string[][] } {
  const { coordination } = report;
  return {
    header: ['role', 'at the gate', 'conflicts', 'conflict rate', 'merge success', 'sessions', 'duplicate work', 'merges per hour'],
    rows: [...coordination.roles, { role: 'all', ...coordination.total }].map((c) => [
      c.role, `${c.submissions}`, `${c.conflicts}`, percent(c.conflictRate), percent(c.mergeSuccessRate), `${c.sessions}`,
      `${c.duplicateSessions} (${percent(c.duplicateRate)})`, `${c.mergesPerHour ?? '–'}`,
    ]),
  };
}
