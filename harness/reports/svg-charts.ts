import { escapeHtml } from './escape.ts';

/**
 * Small inline SVG charts, drawn here so the HTML report needs no script, no
 * library and no network. Each returns one `<svg>` element; colours come from
 * the page's CSS classes.
 */
export interface ChartPoint {
  label: string;
  /** null: nothing to draw (a role that merged nothing has no cost per merge). */
  value: number | null;
}

export interface ChartOptions {
  id: string;
  title: string;
  points: readonly ChartPoint[];
  format: (value: number) => string;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 16, right: 16, bottom: 28, left: 64 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;

const n = (value: number): string => value.toFixed(1);

function maxOf(points: readonly ChartPoint[]): number {
  return points.reduce((max, p) => Math.max(max, p.value ?? 0), 0);
}

function frame(options: ChartOptions, body: string[], height = HEIGHT): string {
  const title = escapeHtml(options.title);
  return [
    `<svg id="${escapeHtml(options.id)}" class="chart" viewBox="0 0 ${WIDTH} ${n(height)}" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** The value axis: zero and the maximum, with a grid line at each. */
function valueAxis(max: number, format: (value: number) => string): string[] {
  const top = PAD.top;
  const bottom = PAD.top + PLOT_H;
  return [
    `<line class="grid" x1="${PAD.left}" y1="${top}" x2="${WIDTH - PAD.right}" y2="${top}"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${bottom}" x2="${WIDTH - PAD.right}" y2="${bottom}"/>`,
    `<text class="tick" x="${PAD.left - 6}" y="${top + 4}" text-anchor="end">${escapeHtml(format(max))}</text>`,
    `<text class="tick" x="${PAD.left - 6}" y="${bottom + 4}" text-anchor="end">${escapeHtml(format(0))}</text>`,
  ];
}

/** The time axis: first and last labels, so the reader sees the window. */
function timeAxis(points: readonly ChartPoint[]): string[] {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return [];
  const y = HEIGHT - 8;
  return [
    `<text class="tick" x="${PAD.left}" y="${y}" text-anchor="start">${escapeHtml(first.label)}</text>`,
    points.length > 1 ? `<text class="tick" x="${WIDTH - PAD.right}" y="${y}" text-anchor="end">${escapeHtml(last.label)}</text>` : '',
  ];
}

function empty(options: ChartOptions): string {
  return frame(options, [`<text class="empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no data</text>`]);
}

/** A value over time as a line over a shaded area; each point carries a tooltip. */
export function lineChart(options: ChartOptions): string {
  const { points } = options;
  if (points.length === 0) return empty(options);
  const max = maxOf(points) || 1;
  const step = points.length > 1 ? PLOT_W / (points.length - 1) : 0;
  const xy = points.map((p, i) => ({ p, x: PAD.left + (points.length > 1 ? i * step : PLOT_W / 2), y: PAD.top + PLOT_H - ((p.value ?? 0) / max) * PLOT_H }));
  const line = xy.map(({ x, y }, i) => `${i === 0 ? 'M' : 'L'}${n(x)} ${n(y)}`).join(' ');
  const baseline = n(PAD.top + PLOT_H);
  const area = `${line} L${n(xy.at(-1)?.x ?? PAD.left)} ${baseline} L${n(xy[0]?.x ?? PAD.left)} ${baseline} Z`;
  return frame(options, [
    ...valueAxis(max, options.format),
    `<path class="area" d="${area}"/>`,
    `<path class="line" d="${line}"/>`,
    ...xy.map(({ p, x, y }) => `<circle class="dot" cx="${n(x)}" cy="${n(y)}" r="2.5"><title>${escapeHtml(`${p.label}: ${options.format(p.value ?? 0)}`)}</title></circle>`),
    ...timeAxis(points),
  ]);
}

/** Counts over time as columns, one per bucket; empty buckets draw nothing. */
export function columnChart(options: ChartOptions): string {
  const { points } = options;
  if (points.length === 0) return empty(options);
  const max = maxOf(points) || 1;
  const slot = PLOT_W / points.length;
  const width = Math.max(1, slot * 0.8);
  const bars = points.flatMap((p, i) => {
    const value = p.value ?? 0;
    if (value <= 0) return [];
    const height = (value / max) * PLOT_H;
    return [`<rect class="bar" x="${n(PAD.left + i * slot + (slot - width) / 2)}" y="${n(PAD.top + PLOT_H - height)}" width="${n(width)}" height="${n(height)}"><title>${escapeHtml(`${p.label}: ${options.format(value)}`)}</title></rect>`];
  });
  return frame(options, [...valueAxis(max, options.format), ...bars, ...timeAxis(points)]);
}

/** One horizontal bar per category, labelled with its value; a null value says so instead of drawing. */
export function barChart(options: ChartOptions): string {
  const { points } = options;
  if (points.length === 0) return empty(options);
  const max = maxOf(points) || 1;
  // The chart grows with the number of roles instead of squeezing them.
  const rowHeight = 30;
  const labelWidth = 120;
  const plotWidth = WIDTH - labelWidth - 100;
  const rows = points.flatMap((p, i) => {
    const y = PAD.top + i * rowHeight;
    const label = `<text class="label" x="${labelWidth - 8}" y="${n(y + rowHeight / 2 + 4)}" text-anchor="end">${escapeHtml(p.label)}</text>`;
    if (p.value === null) return [label, `<text class="note" x="${labelWidth}" y="${n(y + rowHeight / 2 + 4)}">nothing merged</text>`];
    const width = Math.max(1, (p.value / max) * plotWidth);
    return [
      label,
      `<rect class="bar" x="${labelWidth}" y="${n(y + rowHeight * 0.15)}" width="${n(width)}" height="${n(rowHeight * 0.7)}"><title>${escapeHtml(`${p.label}: ${options.format(p.value)}`)}</title></rect>`,
      `<text class="value" x="${n(labelWidth + width + 6)}" y="${n(y + rowHeight / 2 + 4)}">${escapeHtml(options.format(p.value))}</text>`,
    ];
  });
  return frame(options, rows, PAD.top * 2 + points.length * rowHeight);
}
