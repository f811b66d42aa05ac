import type { CulpritEstimate } from './culprit-estimate.ts';

/**
 * Pool groups, one probe at a time, are the largest that still pass with
 * about this chance over the posterior. Slightly under an even chance: a
 * pass clears the whole group for one build. Measured over 200 seeds
 * besides the bench's own, 0.45 spends fewer builds than 0.5 where culprits
 * are dense at n = 64 and no more elsewhere.
 */
const POOL_PASS_CHANCE = 0.45;

/**
 * Group sizes when probes run one at a time: each question is sized to be
 * about as likely to fail as to pass over the whole posterior on the number
 * of culprits, so each build answers close to one bit while that number is
 * still being learnt. A fixed half (or a group sized for the median count)
 * is a near-certain failure when culprits are dense (n = 64, k = 10: a half
 * fails 999 times in 1000) and a wasted build. With probes in parallel the
 * search halves instead: there rounds count, and halving keeps each lead at
 * log2 of its size.
 */

/** The first part of a failing lead of `size` units to probe: the one nearest an even chance to fail, at most half. */
export function firstPartSize(estimate: CulpritEstimate, size: number): number {
  const fails = (part: number) => 1 - estimate.passChance(part, size);
  // The chance to fail grows with the part: the smallest part at even chance or more, or the one just before it.
  let low = 1;
  let high = Math.ceil(size / 2);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fails(middle) >= 0.5) high = middle;
    else low = middle + 1;
  }
  return low > 1 && 0.5 - fails(low - 1) < fails(low) - 0.5 ? low - 1 : low;
}

/** The largest group of at most `available` pool units that passes with POOL_PASS_CHANCE or more (at least one unit). */
export function poolGroupSize(estimate: CulpritEstimate, available: number): number {
  let low = 1;
  let high = Math.max(1, available);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (estimate.passChance(middle) >= POOL_PASS_CHANCE) low = middle;
    else high = middle - 1;
  }
  return low;
}
