/**
 * Batched gating with prefix bisection. Branches waiting for the gate are
 * merged one after another onto main and the tip is tested once; when all
 * pass (the common case) one test run lets the whole batch in. When the tip
 * fails, the batch is halved: the first half is gated on its own (recursively),
 * then the rest goes on top of whatever got in. A single branch that fails is
 * rejected. With p the share of bad branches this needs about
 * N·H(p) test runs instead of N.
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
  /** Test runs used. */
  runs: number;
}

export async function gateBatch<C>(base: string, candidates: readonly C[], ops: BatchOps<C>): Promise<BatchResult<C>> {
  const result: BatchResult<C> = { head: base, accepted: [], rejected: [], runs: 0 };
  let pending = [...candidates];
  // After a failed tip whose first half then went in whole, the rest on top is
  // that same failed tip: split it again without a run. A lone branch is
  // always tested before it is rejected, so a flaky run never rejects untested.
  let knownToFail = false;
  while (pending.length > 0) {
    const combined = await ops.combine(result.head, pending);
    for (const { candidate, files } of combined.conflicted) result.rejected.push({ candidate, kind: 'conflict', files });
    const merged = combined.merged.map((m) => m.candidate);
    if (merged.length === 0) break;
    if (!(knownToFail && merged.length > 1)) {
      const verdict = await ops.test(combined.tip, merged);
      result.runs += 1;
      if (verdict.passed) {
        result.head = combined.tip;
        result.accepted.push(...combined.merged);
        break;
      }
      if (merged.length === 1) {
        result.rejected.push({ candidate: merged[0] as C, kind: 'tests', detail: verdict.detail });
        break;
      }
    }
    const half = Math.ceil(merged.length / 2);
    const first = await gateBatch(result.head, merged.slice(0, half), ops);
    result.head = first.head;
    result.accepted.push(...first.accepted);
    result.rejected.push(...first.rejected);
    result.runs += first.runs;
    knownToFail = first.accepted.length === half;
    pending = merged.slice(half);
  }
  return result;
}

/** Prior belief about the share of bad branches before any is seen: mean 5 %, worth 20 branches. */
const PRIOR_BAD = 1;
const PRIOR_WEIGHT = 20;

/**
 * How many waiting branches to gate together: near ln 2 / p, where p is the
 * share of branches the gate has rejected for their tests so far (smoothed by
 * the prior), the batch size at which prefix bisection costs least.
 */
export function batchSizeFor(stats: { accepted: number; rejected: number }): number {
  const p = (stats.rejected + PRIOR_BAD) / (stats.accepted + stats.rejected + PRIOR_WEIGHT);
  return Math.max(1, Math.round(Math.LN2 / p));
}
