export interface Summary {
  n: number;
  meanMs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Mean, median and range of a set of durations, rounded to whole milliseconds. */
export function summarize(samplesMs: readonly number[]): Summary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    n,
    meanMs: Math.round(sorted.reduce((sum, x) => sum + x, 0) / Math.max(n, 1)),
    medianMs: Math.round(median),
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
