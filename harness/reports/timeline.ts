import { roundUsd } from './numbers.ts';
import type { Timeline, TimelinePoint } from './report-types.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Round widths a reader recognises; neighbours differ by at most 3.5×, so the chosen one gives 10–60 buckets. */
const WIDTHS = [
  1 * SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  1 * MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  1 * HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 1 * DAY, 2 * DAY, 7 * DAY,
];
const MAX_POINTS = 60;

function bucketCount(from: number, to: number, width: number): number {
  return Math.floor(to / width) - Math.floor(from / width) + 1;
}

/** The narrowest round width that keeps the window within 60 buckets (aligned to the epoch, so hours start on the hour). */
export function bucketWidth(from: number, to: number): number {
  for (const width of WIDTHS) if (bucketCount(from, to, width) <= MAX_POINTS) return width;
  return Math.ceil((to - from + 1) / MAX_POINTS / DAY) * DAY;
}

export interface TimedEntry {
  at: number;
  costUsd: number;
  kind: 'session' | 'merge';
}

/** Spend, sessions and merges per bucket over [from, to], empty buckets included so a chart's x axis is time. */
export function buildTimeline(from: number | undefined, to: number | undefined, entries: readonly TimedEntry[]): Timeline {
  if (from === undefined || to === undefined) return { bucketMs: HOUR, points: [] };
  const width = bucketWidth(from, to);
  const first = Math.floor(from / width);
  const points: TimelinePoint[] = Array.from({ length: bucketCount(from, to, width) }, (_, i) => ({
    start: new Date((first + i) * width).toISOString(), costUsd: 0, sessions: 0, merges: 0,
  }));
  for (const entry of entries) {
    const point = points[Math.floor(entry.at / width) - first];
    if (!point) continue;
    if (entry.kind === 'merge') {
      point.merges += 1;
    } else {
      point.sessions += 1;
      point.costUsd += entry.costUsd;
    }
  }
  for (const point of points) point.costUsd = roundUsd(point.costUsd);
  return { bucketMs: width, points };
}
