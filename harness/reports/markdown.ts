import { containedTable, coordinationTable, describeStop, duration, seconds, usd } from './format.ts';
import type { RunReport } from './report-types.ts';

/** Long reasons (a test log) keep the table readable; the JSON report has them whole. */
const MAX_CELL = 300;

/** Journal text inside a table cell: one line, pipes escaped, long text cut. */
function cell(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  const cut = line.length > MAX_CELL ? `${line.slice(0, MAX_CELL)}…` : line;
  return cut.replace(/\|/g, '\\|');
}

function table(header: readonly string[], rows: readonly (readonly string[])[], empty: string): string[] {
  if (rows.length === 0) return [empty];
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function summary(report: RunReport): string[] {
  const { totals } = report;
  const window = report.from === null ? 'The journal holds no events.' : `Events from ${report.from} to ${report.to}${report.since ? ` (since ${report.since})` : ''}.`;
  const wasteShare = totals.costUsd === 0 ? '' : ` (${Math.round((totals.wasteUsd / totals.costUsd) * 100)} %)`;
  return [
    window,
    '',
    `${totals.tasks} tasks: ${totals.merged} merged, ${totals.failed} failed, ${totals.tasks - totals.merged - totals.failed} open; ${totals.sessions} sessions; ${totals.suiteRuns} gate suite runs (${totals.suiteRunsPerMerge} per merge).`,
    '',
    `Spend ${usd(totals.costUsd)}, ${usd(totals.costPerMergeUsd)} per merged commit; wasted ${usd(totals.wasteUsd)}${wasteShare}, undecided ${usd(totals.openUsd)}; ${totals.inputTokens} input and ${totals.outputTokens} output tokens. Throughput: ${totals.mergesPerHour ?? '–'} merges per hour; ${totals.rejections} rejections.`,
  ];
}

/** The report as Markdown, for a terminal or a pull request. */
export function renderMarkdown(report: RunReport): string {
  const lines = [`# gantry run ${report.run}`, '', ...summary(report), '', '## Cost by role', ''];
  lines.push(...table(
    ['role', 'tasks', 'merged', 'failed', 'sessions', 'cost', 'wasted', 'cost per merge'],
    report.roles.map((r) => [cell(r.role), `${r.tasks}`, `${r.merged}`, `${r.failed}`, `${r.sessions}`, usd(r.costUsd), usd(r.wasteUsd), usd(r.costPerMergeUsd)]),
    'No tasks.',
  ));
  lines.push('', '## Coordination', '');
  const coordination = coordinationTable(report);
  lines.push(...table(coordination.header, coordination.rows.map((row) => row.map(cell)), 'No sessions.'));
  lines.push('', '## Contained', '');
  const contained = containedTable(report);
  lines.push(...table(contained.header, contained.rows.map((row) => row.map(cell)), 'Nothing to contain.'));
  lines.push('', '## Merges', '');
  lines.push(...table(
    ['task', 'role', 'agent', 'sessions', 'gate runs', 'time to merge', 'cost', 'commit'],
    report.merges.map((m) => [cell(m.task), cell(m.role), cell(m.agent ?? ''), `${m.sessions}`, `${m.gateRuns}`, duration(m.timeToMergeMs), usd(m.costUsd), m.commit.slice(0, 10)]),
    'Nothing merged.',
  ));
  lines.push('', '## Rejections', '');
  lines.push(...table(
    ['task', 'role', 'attempt', 'final', 'reason'],
    report.rejections.map((r) => [cell(r.task), cell(r.role), `${r.attempt}`, r.final ? 'yes' : 'no', cell(r.reason)]),
    'No rejections.',
  ));
  if (report.stops.length > 0) {
    lines.push('', '## Held up', '');
    for (const stop of report.stops) lines.push(`- ${cell(stop.task)} (${cell(stop.role)}): ${cell(describeStop(stop))}`);
  }
  const outOfScope = report.tasks.filter((t) => t.outOfScope !== undefined);
  if (outOfScope.length > 0) {
    lines.push('', '## Out of scope', '');
    for (const t of outOfScope) lines.push(`- ${cell(t.id)} (${cell(t.role)}): ${cell((t.outOfScope ?? []).join(', '))}`);
  }
  lines.push('', '## Tasks', '');
  lines.push(...table(
    ['task', 'role', 'agent', 'status', 'sessions', 'gate runs', 'gate testing', 'gate waiting', 'cost', 'merged as', 'reason'],
    report.tasks.map((t) => [
      cell(t.id), cell(t.role), cell(t.agent ?? ''), t.status, `${t.sessions}`, `${t.gateRuns}`, seconds(t.gateTestMs), seconds(t.gateWaitMs),
      usd(t.costUsd), t.merges.map((c) => c.slice(0, 10)).join(', '), cell(t.reason ?? ''),
    ]),
    'No tasks.',
  ));
  return `${lines.join('\n')}\n`;
}
