import { escapeHtml } from './escape.ts';
import { containedTable, coordinationTable, describeStop, duration, seconds, usd } from './format.ts';
import type { RunReport } from './report-types.ts';
import { CHART_STYLE, reportCharts } from './report-charts.ts';

/**
 * The report as one self-contained HTML file: inline CSS, inline SVG, no
 * script and nothing fetched, so it opens from a mail attachment or a CI
 * artifact as it is. The Content-Security-Policy forbids scripts and remote
 * loads outright, a second wall behind escaping every journal string.
 */
const STYLE = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --accent: #2f6fdb; --accent-soft: rgba(47, 111, 219, 0.18); --good: #1f8a4c; --bad: #c0392b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f7f8fa; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.muted { color: var(--muted); }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 16px 0; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi b { display: block; font-size: 20px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
${CHART_STYLE}table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: pre-wrap; word-break: break-word; max-width: 520px; }
td.text div { max-height: 9em; overflow: auto; }
`;

type Align = 'num' | 'text' | '';

interface Column {
  title: string;
  align?: Align;
}

/** Every cell is escaped here, so a caller cannot forget to. */
function table(columns: readonly Column[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  const head = columns.map((c) => `<th${c.align === 'num' ? ' class="num"' : ''}>${escapeHtml(c.title)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((value, i) => {
    const align = columns[i]?.align ?? '';
    const content = align === 'text' ? `<div>${escapeHtml(value)}</div>` : escapeHtml(value);
    return `<td${align ? ` class="${align}"` : ''}>${content}</td>`;
  }).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function charts(report: RunReport): string {
  return reportCharts(report).map((f) => `<figure>\n<figcaption>${escapeHtml(f.caption)}</figcaption>\n${f.svg}\n</figure>`).join('\n');
}

function kpis(report: RunReport): string {
  const { totals } = report;
  const cards: Array<[string, string]> = [
    ['merged', `${totals.merged} of ${totals.tasks} tasks`],
    ['spend', usd(totals.costUsd)],
    ['per merged commit', usd(totals.costPerMergeUsd)],
    ['wasted', usd(totals.wasteUsd)],
    ['undecided', usd(totals.openUsd)],
    ['merges per hour', totals.mergesPerHour === null ? '–' : `${totals.mergesPerHour}`],
    ['rejections', `${totals.rejections}`],
    ['suite runs per merge', `${totals.suiteRunsPerMerge}`],
  ];
  return cards.map(([label, value]) => `<div class="kpi"><span class="muted">${escapeHtml(label)}</span><b>${escapeHtml(value)}</b></div>`).join('\n');
}

function sections(report: RunReport): string[] {
  const coordination = coordinationTable(report);
  const contained = containedTable(report);
  return [
    '<h2>Cost by role</h2>',
    table(
      [{ title: 'role' }, { title: 'tasks', align: 'num' }, { title: 'merged', align: 'num' }, { title: 'failed', align: 'num' }, { title: 'sessions', align: 'num' }, { title: 'cost', align: 'num' }, { title: 'wasted', align: 'num' }, { title: 'cost per merge', align: 'num' }],
      report.roles.map((r) => [r.role, `${r.tasks}`, `${r.merged}`, `${r.failed}`, `${r.sessions}`, usd(r.costUsd), usd(r.wasteUsd), usd(r.costPerMergeUsd)]),
      'No tasks.',
    ),
    '<h2>Coordination</h2>',
    table(coordination.header.map((title, i) => ({ title, align: i === 0 ? '' : 'num' })), coordination.rows, 'No sessions.'),
    '<h2>Contained</h2>',
    table(contained.header.map((title) => ({ title })), contained.rows, 'Nothing to contain.'),
    '<h2>Merges</h2>',
    table(
      [{ title: 'task' }, { title: 'role' }, { title: 'agent' }, { title: 'sessions', align: 'num' }, { title: 'gate runs', align: 'num' }, { title: 'time to merge', align: 'num' }, { title: 'cost', align: 'num' }, { title: 'commit' }, { title: 'merged at' }],
      report.merges.map((m) => [m.task, m.role, m.agent ?? '', `${m.sessions}`, `${m.gateRuns}`, duration(m.timeToMergeMs), usd(m.costUsd), m.commit.slice(0, 10), m.mergedAt]),
      'Nothing merged.',
    ),
    '<h2>Rejections</h2>',
    table(
      [{ title: 'task' }, { title: 'role' }, { title: 'attempt', align: 'num' }, { title: 'final' }, { title: 'at' }, { title: 'reason', align: 'text' }],
      report.rejections.map((r) => [r.task, r.role, `${r.attempt}`, r.final ? 'yes' : 'no', r.at, r.reason]),
      'No rejections.',
    ),
    '<h2>Held up</h2>',
    table(
      [{ title: 'task' }, { title: 'role' }, { title: 'since' }, { title: 'why', align: 'text' }],
      report.stops.map((s) => [s.task, s.role, s.at, describeStop(s)]),
      'No task is held up by a budget or a refused key.',
    ),
    '<h2>Tasks</h2>',
    table(
      [{ title: 'task' }, { title: 'role' }, { title: 'agent' }, { title: 'status' }, { title: 'attempts', align: 'num' }, { title: 'sessions', align: 'num' }, { title: 'gate runs', align: 'num' }, { title: 'gate testing', align: 'num' }, { title: 'gate waiting', align: 'num' }, { title: 'cost', align: 'num' }, { title: 'wasted', align: 'num' }, { title: 'text', align: 'text' }, { title: 'reason', align: 'text' }],
      report.tasks.map((t) => [t.id, t.role, t.agent ?? '', t.status, `${t.attempts}`, `${t.sessions}`, `${t.gateRuns}`, seconds(t.gateTestMs), seconds(t.gateWaitMs), usd(t.costUsd), usd(t.wasteUsd), t.text ?? '', t.reason ?? '']),
      'No tasks.',
    ),
    `<details><summary>Sessions (${report.sessions.length})</summary>`,
    table(
      [{ title: 'task' }, { title: 'role' }, { title: 'attempt', align: 'num' }, { title: 'session', align: 'num' }, { title: 'ended' }, { title: 'end' }, { title: 'time', align: 'num' }, { title: 'provider' }, { title: 'cost', align: 'num' }, { title: 'input tokens', align: 'num' }, { title: 'output tokens', align: 'num' }, { title: 'outcome' }],
      report.sessions.map((s) => [s.task, s.role, `${s.attempt}`, `${s.session}`, s.at, s.end, duration(s.durationMs), s.provider ?? '', usd(s.costUsd), `${s.inputTokens}`, `${s.outputTokens}`, s.outcome]),
      'No sessions.',
    ),
    '</details>',
  ];
}

export function renderHtml(report: RunReport): string {
  const title = `gantry run ${report.run}`;
  const window = report.from === null ? 'The journal holds no events.' : `Events from ${report.from} to ${report.to}${report.since ? ` (since ${report.since})` : ''}.`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="muted">${escapeHtml(window)}</p>`,
    `<section class="kpis">\n${kpis(report)}\n</section>`,
    `<section class="charts">\n${charts(report)}\n</section>`,
    ...sections(report),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
