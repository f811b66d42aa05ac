import { usd } from './format.ts';
import type { RunReport } from './report-types.ts';

/** One line a person at the terminal reads at a glance: where the run's tasks are and what they cost. */
export function progressLine(report: RunReport): string {
  const count = (status: string) => report.tasks.filter((task) => task.status === status).length;
  const { totals } = report;
  return `${totals.merged} merged, ${count('running')} running, ${count('queued')} queued, ${totals.failed} failed · ${usd(totals.costUsd)} spent`;
}
