import type { JournalEvent, OracleTaskRecord, OracleTrigger } from '../reports/events.ts';

/**
 * `gantry oracle report`: each oracle bisection of a run, read back from the
 * journal (`oracle.started`, `oracle.probe`, then `oracle.done` or
 * `oracle.failed`). A bisection with neither end was stopped midway; its
 * probes are in the cache for the next one.
 */

export interface OracleReport {
  oracle: string;
  commit: string;
  trigger: OracleTrigger;
  startedAt: string;
  state: 'done' | 'failed' | 'unfinished';
  units: number;
  parallel: number;
  /** Probes answered, built or from the cache. */
  probes: number;
  /** Probes answered from the cache of an earlier, stopped bisection. */
  cached: number;
  /** Builds of the bisection; the sanity builds are `checkBuilds`. */
  builds: number;
  checkBuilds: number;
  rounds: number;
  durationMs?: number;
  culprits: string[][];
  tasks: OracleTaskRecord[];
  failure?: string;
}

export function oracleReports(events: readonly JournalEvent[]): OracleReport[] {
  const reports = new Map<string, OracleReport>();
  for (const event of events) {
    if (event.type === 'oracle.started') {
      reports.set(event.oracle, {
        oracle: event.oracle, commit: event.commit, trigger: event.trigger, startedAt: event.ts, state: 'unfinished',
        units: event.units, parallel: event.parallel, probes: 0, cached: 0, builds: 0, checkBuilds: 0, rounds: 0, culprits: [], tasks: [],
      });
      continue;
    }
    const report = 'oracle' in event ? reports.get(event.oracle) : undefined;
    if (!report) continue;
    if (event.type === 'oracle.probe') {
      // Until the end event, the journaled probes are all there is (a stopped bisection has nothing else).
      report.probes += 1;
      if (event.cached) report.cached += 1;
      else report.builds += 1;
      report.rounds = Math.max(report.rounds, event.round);
    } else if (event.type === 'oracle.done') {
      Object.assign(report, {
        state: 'done', builds: event.builds, checkBuilds: event.checkBuilds, probes: event.probes, rounds: event.rounds,
        durationMs: event.durationMs, culprits: event.culprits, tasks: event.tasks,
      });
    } else if (event.type === 'oracle.failed') {
      report.state = 'failed';
      report.failure = event.reason;
      report.durationMs = Date.parse(event.ts) - Date.parse(report.startedAt);
    }
  }
  return [...reports.values()];
}

export function renderOracleReport(reports: readonly OracleReport[]): string {
  if (reports.length === 0) return 'No oracle bisection in this run yet: start one with `gantry oracle run`.\n';
  return `${reports.map(renderOne).join('\n')}`;
}

function renderOne(report: OracleReport): string {
  const made = report.tasks.filter((task) => task.created).length;
  const lines = [
    `# Oracle bisection ${report.oracle} (${report.state})`,
    '',
    `Main ${report.commit.slice(0, 12)}, ${report.units} units, started ${report.startedAt} (${report.trigger === 'manual' ? 'by hand' : 'after a merge'}), ${report.parallel} probes at once.`,
    '',
    '| probes | from cache | builds | sanity builds | rounds | time |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${report.probes} | ${report.cached} | ${report.builds} | ${report.checkBuilds} | ${report.rounds} | ${report.durationMs === undefined ? '—' : `${(report.durationMs / 1000).toFixed(1)} s`} |`,
    '',
  ];
  if (report.state === 'failed') lines.push(`Failed: ${report.failure ?? 'no reason recorded'}`, '');
  if (report.state === 'unfinished') lines.push('Stopped before it ended (or still running); `gantry oracle run` again resumes from the probe cache.', '');
  if (report.state === 'done') {
    lines.push(`Culprits: ${report.culprits.length}. Tasks: ${made} made, ${report.tasks.length - made} already queued.`, '');
    for (const task of report.tasks) lines.push(`- ${task.units.join(' + ')} → task ${task.task}${task.created ? '' : ' (already queued)'}`);
    if (report.tasks.length > 0) lines.push('');
  }
  return lines.join('\n');
}
