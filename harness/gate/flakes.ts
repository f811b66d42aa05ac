import type { Redis } from 'ioredis';
import type { SuiteRun, TestCase } from './results/types.ts';

/**
 * Telling a flake from a break. A test that fails in the gate is re-run; if it
 * passes on any re-run it is flaky (recorded, not a reason to reject), and
 * only a test that fails every time counts as failed. A test flaky in too
 * many gate runs is quarantined: still run and reported, never judged.
 */

export interface Settled {
  /** Failed the gate run and every re-run. */
  stillFailing: TestCase[];
  /** Failed the gate run but passed a re-run. */
  flaky: TestCase[];
}

/**
 * Re-runs the failures up to `reruns` rounds, all still-failing tests together
 * in one `rerun` call per round. A test the re-run does not report stays
 * failing. Errors from `rerun` propagate: a re-run that could not run proves
 * nothing either way.
 */
export async function settleFailures(
  failed: readonly TestCase[],
  rerun: (tests: TestCase[]) => Promise<SuiteRun>,
  reruns: number,
): Promise<Settled> {
  let pending = [...failed];
  const flaky: TestCase[] = [];
  for (let round = 0; round < reruns && pending.length > 0; round += 1) {
    const passed = new Set((await rerun(pending)).tests.filter((t) => t.status === 'passed').map((t) => t.id));
    flaky.push(...pending.filter((t) => passed.has(t.id)));
    pending = pending.filter((t) => !passed.has(t.id));
  }
  return { stillFailing: pending, flaky };
}

/** A test already seen flaky gets this many times `gate.reruns` before its failure counts. */
export const KNOWN_FLAKY_RERUNS = 3;

/**
 * settleFailures, with more tries for tests known to flake: one more failure
 * of such a test says little about the branch.
 */
export async function settleByHistory(
  failing: readonly TestCase[],
  rerun: (tests: TestCase[]) => Promise<SuiteRun>,
  reruns: number,
  knownFlaky: (id: string) => boolean,
): Promise<Settled> {
  if (failing.length === 0 || reruns === 0) return { stillFailing: [...failing], flaky: [] };
  const results = await Promise.all([
    settleFailures(failing.filter((t) => !knownFlaky(t.id)), rerun, reruns),
    settleFailures(failing.filter((t) => knownFlaky(t.id)), rerun, reruns * KNOWN_FLAKY_RERUNS),
  ]);
  return { stillFailing: results.flatMap((r) => r.stillFailing), flaky: results.flatMap((r) => r.flaky) };
}

export interface FlakeCounts {
  /** Gate runs the test took part in. */
  runs: number;
  /** Of those, runs in which it failed and then passed a re-run. */
  flaky: number;
}

export interface FlakeRecord extends FlakeCounts {
  id: string;
  /** flaky / runs (0 before any run). */
  rate: number;
}

/** Per-test flake counters in Redis: two hashes keyed by test id. */
export class FlakeStore {
  readonly #redis: Redis;
  readonly #runsKey: string;
  readonly #flakyKey: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#runsKey = `${prefix}:flakes:runs`;
    this.#flakyKey = `${prefix}:flakes:flaky`;
  }

  /** Adds `counts` to the test's counters. */
  async record(id: string, counts: FlakeCounts): Promise<void> {
    await this.recordAll(new Map([[id, counts]]));
  }

  /** Adds the counts of a whole gate run in one round trip (a suite has thousands of tests). */
  async recordAll(counts: ReadonlyMap<string, FlakeCounts>): Promise<void> {
    if (counts.size === 0) return;
    const batch = this.#redis.multi();
    for (const [id, { runs, flaky }] of counts) {
      if (runs !== 0) batch.hincrby(this.#runsKey, id, runs);
      if (flaky !== 0) batch.hincrby(this.#flakyKey, id, flaky);
    }
    await batch.exec();
  }

  async rate(id: string): Promise<number> {
    const [runs, flaky] = await Promise.all([this.#redis.hget(this.#runsKey, id), this.#redis.hget(this.#flakyKey, id)]);
    return rateOf(Number(runs ?? 0), Number(flaky ?? 0));
  }

  /**
   * Tests flaky in at least `threshold` of their gate runs, once they have
   * `minRuns` runs (one early flake is not a pattern). A test never flaky is
   * never quarantined, so a threshold of 0 does not quarantine everything.
   */
  async quarantined(threshold: number, minRuns = 5): Promise<Set<string>> {
    const records = await this.list();
    return new Set(records.filter((r) => r.flaky > 0 && r.runs >= minRuns && r.rate >= threshold).map((r) => r.id));
  }

  /** Every test with a flaky run, flakiest first. */
  async list(): Promise<FlakeRecord[]> {
    const [runs, flaky] = await Promise.all([this.#redis.hgetall(this.#runsKey), this.#redis.hgetall(this.#flakyKey)]);
    return Object.entries(flaky)
      .map(([id, count]) => {
        const record = { id, runs: Number(runs[id] ?? 0), flaky: Number(count) };
        return { ...record, rate: rateOf(record.runs, record.flaky) };
      })
      .sort((a, b) => b.rate - a.rate || b.flaky - a.flaky || a.id.localeCompare(b.id));
  }
}

function rateOf(runs: number, flaky: number): number {
  return runs === 0 ? 0 : flaky / runs;
}
