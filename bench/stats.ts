export interface Summary {
  n: number;
  meanMs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Mean, median and range of a set of durations, rounded to whole milliseconds. */
export function summarize(samplesMs: readonly number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    n,
    meanMs: Math.round(sorted.reduce((sum, x) => sum + x, 0) / Math.max(n, 1)),
    medianMs: Math.round(median(sorted)),
    minMs: Math.round(sorted[0] ?? 0),
    maxMs: Math.round(sorted[n - 1] ?? 0),
  };
}

/** Wall time of `work`, in milliseconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** `a / b` to two decimals. */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}
