import { bucketLabel, usd } from './format.ts';
import type { RunReport } from './report-types.ts';
import { barChart, columnChart, lineChart, type ChartPoint } from './svg-charts.ts';

/** One chart of a run: an inline `<svg>` with its id, and the caption that goes above it. */
export interface ReportChart {
  id: string;
  caption: string;
  svg: string;
}

/** The charts' look, by the classes svg-charts.ts gives their parts: one sheet for the report and the dashboard. */
export const CHART_STYLE = `
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-dasharray: 3 3; }
svg .axis { stroke: var(--muted); }
svg .tick, svg .label, svg .value, svg .note, svg .empty { font-size: 13px; fill: var(--muted); }
svg .label { fill: var(--ink); }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg .area { fill: var(--accent-soft); stroke: none; }
svg .dot { fill: var(--accent); }
svg .bar { fill: var(--accent); }
`;

/** Bucket starts as short UTC labels: seconds for short runs, the date for runs that span days. */
function timeLabel(iso: string, bucketMs: number, spanMs: number): string {
  if (spanMs >= 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return bucketMs < 60_000 ? iso.slice(11, 19) : iso.slice(11, 16);
}

/** The run's charts, drawn once for the HTML report and the dashboard alike. */
export function reportCharts(report: RunReport): ReportChart[] {
  const { timeline } = report;
  const span = report.from && report.to ? Date.parse(report.to) - Date.parse(report.from) : 0;
  const over = (pick: (p: RunReport['timeline']['points'][number]) => number): ChartPoint[] =>
    timeline.points.map((p) => ({ label: timeLabel(p.start, timeline.bucketMs, span), value: pick(p) }));
  const every = `per ${bucketLabel(timeline.bucketMs)}, UTC`;
  const chart = (id: string, caption: string, title: string, draw: (options: { id: string; title: string }) => string) => ({ id, caption, svg: draw({ id, title }) });
  return [
    chart('chart-cost', `Cost over time (${every})`, 'Cost over time', (o) => lineChart({ ...o, points: over((p) => p.costUsd), format: usd })),
    chart('chart-merges', `Merges over time (${every})`, 'Merges over time', (o) => columnChart({ ...o, points: over((p) => p.merges), format: (v) => `${v}` })),
    chart('chart-cost-by-role', 'Cost by role', 'Cost by role', (o) => barChart({ ...o, points: report.roles.map((r) => ({ label: r.role, value: r.costUsd })), format: usd })),
    chart('chart-cost-per-merge', 'Cost per merged commit by role', 'Cost per merged commit by role', (o) => barChart({ ...o, points: report.roles.map((r) => ({ label: r.role, value: r.costPerMergeUsd })), format: usd })),
  ];
}
