import { median } from './stats.ts';
import type { SoakSample } from './soak-sample.ts';

const HOUR_MS = 3_600_000;
/**
 * Memory is judged after the warm-up: the first minute (at most a third of the
 * feeding time) loads modules, compiles code and grows the heap to its working
 * size, which is no leak.
 */
const WARMUP_MS = 60_000;

/** One memory figure over the feeding part of a soak. */
export interface SeriesSummary {
  /** The first sample, at start-up, before the warm-up. */
  atStartup: number;
  /** The rest are over the samples after the warm-up. */
  start: number;
  end: number;
  max: number;
  /** Medians of the first and last third of the samples: what "it grew" is judged on (a single sample can be a spike). */
  firstThird: number;
  lastThird: number;
  /** lastThird − firstThird. */
  growth: number;
  /** Least-squares slope over every sample, per hour. */
  slopePerHour: number;
}

export interface SoakSummary {
  /** Samples before this (from the controller's start) are left out of the memory figures but atStartup. */
  warmupMs: number;
  rssBytes: SeriesSummary;
  /** Live heap, after a forced collection. */
  heapBytes: SeriesSummary;
  disk: {
    /** The state directory at the end of feeding, and once idle. */
    stateEndBytes: number;
    stateIdleBytes: number;
    /** Most the work trees took at once while feeding. */
    workMaxBytes: number;
    workIdleBytes: number;
    workTreesIdle: number;
    /** stateIdleBytes / tasks ended: what each task leaves on disk (logs, journal, git objects, archived branch). */
    bytesPerTask: number;
  };
  tasks: { added: number; ended: number; perHour: number };
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

function series(samples: readonly SoakSample[], warmupMs: number, pick: (s: SoakSample) => number | null): SeriesSummary {
  const all = samples.flatMap((s) => {
    const y = pick(s);
    return y === null ? [] : [{ x: s.atMs, y }];
  });
  const points = all.filter((p) => p.x >= warmupMs);
  const values = points.map((p) => p.y);
  const third = Math.max(1, Math.floor(values.length / 3));
  const firstThird = median(values.slice(0, third));
  const lastThird = median(values.slice(-third));
  return {
    atStartup: all[0]?.y ?? 0,
    start: values[0] ?? 0,
    end: values.at(-1) ?? 0,
    max: Math.max(0, ...values),
    firstThird: Math.round(firstThird),
    lastThird: Math.round(lastThird),
    growth: Math.round(lastThird - firstThird),
    slopePerHour: Math.round(slope(points) * HOUR_MS),
  };
}

/** The figures of a soak from its samples: feeding ones for memory and throughput, the last (idle) one for what stays on disk. */
export function summarizeSoak(samples: readonly SoakSample[]): SoakSummary {
  const feeding = samples.filter((s) => s.phase === 'feeding');
  const lastFeeding = feeding.at(-1);
  const idle = samples.findLast((s) => s.phase === 'idle') ?? lastFeeding;
  const ended = idle?.tasksEnded ?? 0;
  const feedingMs = (lastFeeding?.atMs ?? 0) - (feeding[0]?.atMs ?? 0);
  const warmupMs = Math.min(WARMUP_MS, feedingMs / 3);
  return {
    warmupMs,
    rssBytes: series(feeding, warmupMs, (s) => s.rssBytes),
    heapBytes: series(feeding, warmupMs, (s) => s.heapUsedBytes),
    disk: {
      stateEndBytes: lastFeeding?.stateBytes ?? 0,
      stateIdleBytes: idle?.stateBytes ?? 0,
      workMaxBytes: Math.max(0, ...feeding.map((s) => s.workBytes)),
      workIdleBytes: idle?.workBytes ?? 0,
      workTreesIdle: idle?.workTrees ?? 0,
      bytesPerTask: ended === 0 ? 0 : Math.round((idle?.stateBytes ?? 0) / ended),
    },
    tasks: {
      added: idle?.tasksAdded ?? 0,
      ended,
      perHour: feedingMs === 0 ? 0 : Math.round(((lastFeeding?.tasksEnded ?? 0) - (feeding[0]?.tasksEnded ?? 0)) / (feedingMs / HOUR_MS)),
    },
  };
}
