import { createHash } from 'node:crypto';

/**
 * The cache key of a mix: a hash of its sorted, de-duplicated candidate units,
 * so the same set gets the same key whatever order it was built in.
 */
export function probeKey(set: Iterable<string>): string {
  const sorted = [...new Set(set)].sort();
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** Where the n-th answer (0-based) for one set is cached: repeats of a flaky set get keys of their own. */
export function answerKey(key: string, index: number): string {
  return index === 0 ? key : `${key}#${index}`;
}
