/** Providers report costs as floats (0.008400000000000001); a millionth of a dollar is precision enough. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** part / whole to `digits` decimals; null when whole is 0, where the ratio means nothing. */
export function ratio(part: number, whole: number, digits: number): number | null {
  if (whole === 0) return null;
  const scale = 10 ** digits;
  return Math.round((part / whole) * scale) / scale;
}

/** How many of `items` have each key. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const name = key(item);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
