import { batchSizeFor, gateBatch } from '../harness/gate/batch.ts';
import { hashSeed, mulberry32 } from '../harness/gate/prng.ts';
import { FakeSuite, MAIN, type SimBranch } from './gate-fake-suite.ts';

export interface GateScenario {
  name: string;
  branches: number;
  /** Share of bad branches. */
  badRate: number;
  /** Share of suite runs (re-runs included) in which a flaky test fails. */
  flakeRate: number;
  /** `gate.reruns`: re-runs of a failed test before it counts (with `gate.select` a run of that test alone; each takes one suite run of time here). */
  reruns: number;
  /** Suite runs between arrivals; 0: every branch is waiting at the start. */
  arrivalEvery: number;
  /** What-if only: this batch size instead of `batchSizeFor`, to tell adaptation lag from bisection cost. */
  fixedBatchSize?: number;
}

/** One seeded run of a scenario. */
export interface GateSimRun {
  seed: number;
  badShare: number;
  /** Full-suite runs (re-runs of failed tests not included). */
  runsPerBranch: number;
  /** One tip test per batch: the runs that would be spent if no batch ever failed. */
  batchRunsPerBranch: number;
  /** Tests of shorter prefixes, searching for the first bad branch after a batch failed. */
  bisectionRunsPerBranch: number;
  /** Re-runs of failed tests (flakes and real failures alike). */
  rerunsPerBranch: number;
  meanBatchSize: number;
  /** Good branches rejected for their tests, over good branches. */
  wronglyRejected: number;
  /** Bad branches let into main (the gate must never do that). */
  badAccepted: number;
  /** Suite runs from a branch's arrival until its batch finished, over merged branches. */
  mergeTime: { median: number; p90: number };
}

/** The q-quantile of sorted values, interpolating between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const low = sorted[Math.floor(at)] ?? 0;
  const high = sorted[Math.ceil(at)] ?? 0;
  return low + (high - low) * (at - Math.floor(at));
}

/**
 * Drains the branches the way MergeQueue does: whenever the gate is free it
 * takes up to `batchSizeFor(stats)` of the waiting branches from the head of
 * the queue, gates them with `gateBatch`, puts the deferred ones back at the
 * head, and counts the accepted and the rejected-for-tests into the stats
 * that size the next batch.
 */
export async function simulateGate(scenario: GateScenario, seed: number): Promise<GateSimRun> {
  const random = mulberry32(seed);
  const branches: SimBranch[] = Array.from({ length: scenario.branches }, (_, id) => ({ id, bad: random() < scenario.badRate, arrivesAt: id * scenario.arrivalEvery }));
  const suite = new FakeSuite(mulberry32(hashSeed(`flakes ${seed}`)), scenario.flakeRate, scenario.reruns);
  const stats = { accepted: 0, rejected: 0 };
  const mergeTimes: number[] = [];
  let head = MAIN;
  let next = 0;
  let batches = 0;
  let wronglyRejected = 0;
  let badAccepted = 0;
  // Arrived and not yet judged, in order; branches a batch sent back come first.
  const queue: SimBranch[] = [];
  while (next < branches.length || queue.length > 0) {
    if (queue.length === 0) suite.waitUntil(branches[next]?.arrivesAt ?? 0);
    while (next < branches.length && (branches[next]?.arrivesAt ?? 0) <= suite.now) queue.push(branches[next++] as SimBranch);
    const batch = queue.splice(0, scenario.fixedBatchSize ?? batchSizeFor(stats));
    batches += 1;
    const result = await gateBatch(head, batch, suite.ops);
    head = result.head;
    queue.unshift(...result.deferred);
    for (const { candidate } of result.accepted) {
      mergeTimes.push(suite.now - candidate.arrivesAt);
      if (candidate.bad) badAccepted += 1;
    }
    const rejectedForTests = result.rejected.filter((r) => r.kind === 'tests');
    wronglyRejected += rejectedForTests.filter((r) => !r.candidate.bad).length;
    stats.accepted += result.accepted.length;
    stats.rejected += rejectedForTests.length;
  }
  const n = branches.length;
  const good = branches.filter((b) => !b.bad).length;
  const sorted = mergeTimes.sort((a, b) => a - b);
  return {
    seed,
    badShare: (n - good) / n,
    runsPerBranch: (suite.runs - suite.reruns) / n,
    batchRunsPerBranch: batches / n,
    bisectionRunsPerBranch: (suite.runs - suite.reruns - batches) / n,
    rerunsPerBranch: suite.reruns / n,
    meanBatchSize: n / batches,
    wronglyRejected: good === 0 ? 0 : wronglyRejected / good,
    badAccepted,
    mergeTime: { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) },
  };
}
