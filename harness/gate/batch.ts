/**
 * Batched gating that finds the first bad branch. Branches waiting for the
 * gate are merged one after another onto main and the tip is tested once;
 * when it passes (the common case) one test run lets the whole batch in.
 * When it fails, a binary search over the chain's prefixes (each prefix is a
 * commit of the chain already: nothing is merged again) finds the first
 * branch whose merge breaks the tests: the branches before it go in, it is
 * rejected, and the ones after it go back to the front of the queue untested,
 * to be batched again on the new main with whatever arrived since. That is
 * generalized binary splitting: with p the share of bad branches and batches
 * near ln 2 / p it needs about 1.1·N·H(p) test runs instead of N.
 */

export interface Combined<C> {
  /** Tip of the chain: the last merge commit, or `base` when nothing merged. */
  tip: string;
  /** Candidates that merged, each with its own merge commit in the chain. */
  merged: Array<{ candidate: C; commit: string }>;
  /** Candidates that conflicted with the chain before them (skipped). */
  conflicted: Array<{ candidate: C; files: string[] }>;
}

export interface TestVerdict {
  passed: boolean;
  /** Why it failed, for the rejected branch's next brief. */
  detail: string;
}

export interface BatchOps<C> {
  /** Merges the candidates in order onto `base`, skipping those that conflict. */
  combine(base: string, candidates: readonly C[]): Promise<Combined<C>>;
  test(commit: string, candidates: readonly C[]): Promise<TestVerdict>;
}

export type Rejection<C> =
  | { candidate: C; kind: 'conflict'; files: string[] }
  | { candidate: C; kind: 'tests'; detail: string };

export interface BatchResult<C> {
  /** Where main should move (equal to the base when nothing got in). */
  head: string;
  accepted: Array<{ candidate: C; commit: string }>;
  rejected: Array<Rejection<C>>;
  /** Not judged: they came after the rejected branch; gate them again on `head`. */
  deferred: C[];
  /** Test runs used. */
  runs: number;
}

export async function gateBatch<C>(base: string, candidates: readonly C[], ops: BatchOps<C>): Promise<BatchResult<C>> {
  const combined = await ops.combine(base, candidates);
  const result: BatchResult<C> = {
    head: base, accepted: [], deferred: [], runs: 0,
    rejected: combined.conflicted.map(({ candidate, files }) => ({ candidate, kind: 'conflict', files })),
  };
  const chain = combined.merged;
  if (chain.length === 0) return result;
  const prefix = (length: number) => ({ commit: length === 0 ? base : (chain[length - 1]?.commit ?? base), candidates: chain.slice(0, length).map((m) => m.candidate) });
  const test = async (length: number) => {
    const { commit, candidates: tested } = prefix(length);
    result.runs += 1;
    return ops.test(commit, tested);
  };
  const whole = await test(chain.length);
  if (whole.passed) {
    result.head = combined.tip;
    result.accepted.push(...chain);
    return result;
  }
  // Invariant: the prefix of length `good` passed (0: main itself), the one of length `bad` failed.
  let good = 0;
  let bad = chain.length;
  let detail = whole.detail;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    const verdict = await test(middle);
    if (verdict.passed) {
      good = middle;
    } else {
      bad = middle;
      detail = verdict.detail;
    }
  }
  result.head = prefix(good).commit;
  result.accepted.push(...chain.slice(0, good));
  const culprit = chain[good];
  if (culprit) result.rejected.push({ candidate: culprit.candidate, kind: 'tests', detail });
  result.deferred.push(...chain.slice(bad).map((m) => m.candidate));
  return result;
}

/** Prior belief about the share of bad branches before any is seen: mean 5 %, worth 20 branches. */
const PRIOR_BAD = 1;
const PRIOR_WEIGHT = 20;

/**
 * How many waiting branches to gate together: near ln 2 / p, where p is the
 * share of branches the gate has rejected for their tests so far (smoothed by
 * the prior), the batch size at which the search for the first bad branch
 * costs least.
 */
export function batchSizeFor(stats: { accepted: number; rejected: number }): number {
  const p = (stats.rejected + PRIOR_BAD) / (stats.accepted + stats.rejected + PRIOR_WEIGHT);
  return Math.max(1, Math.round(Math.LN2 / p));
}
