import type { BatchOps, Combined } from '../harness/gate/batch.ts';
import { settleByHistory } from '../harness/gate/flakes.ts';
import type { SuiteRun, TestCase } from '../harness/gate/results/types.ts';

/** A branch in the gate economy simulation: bad branches break a test. */
export interface SimBranch {
  id: number;
  bad: boolean;
  /** In suite runs since the start of the simulation. */
  arrivesAt: number;
}

/** Main's commit at the start of the simulation. */
export const MAIN = 'main';

const BROKEN = 'suite > a test that every bad branch breaks';
const FLAKY = 'suite > a test that fails at random';
/** A re-run of one or two tests with `gate.select`: the runner's start-up and those tests, in suite runs. */
export const RERUN_TIME = 0.1;

function testCase(id: string, status: TestCase['status']): TestCase {
  return { id, file: 'suite', path: [], title: id, status };
}

/**
 * A stand-in for merging and running the suite: a commit remembers whether
 * its chain holds a bad branch, and its suite fails iff it does, plus a flaky
 * test failing in `flakeRate` of runs. Failures are settled by re-runs through
 * the gate's own `settleByHistory` (tests seen flaky get more re-runs). A full run advances the clock by one suite
 * run; a re-run of the failed tests alone (`gate.select`) by RERUN_TIME.
 */
export class FakeSuite {
  /** The simulation's clock, in suite runs. */
  now = 0;
  /** Runs so far, full and re-runs. */
  runs = 0;
  /** Of those, re-runs of failed tests. */
  reruns = 0;
  readonly #hasBad = new Map<string, boolean>([[MAIN, false]]);
  /** Tests that passed a re-run after failing: the gate's flake history (FlakeStore). */
  readonly #seenFlaky = new Set<string>();
  readonly #random: () => number;
  readonly #flakeRate: number;
  readonly #reruns: number;

  /** `reruns` as `gate.reruns`: a failure that also fails this many re-runs rejects. */
  constructor(random: () => number, flakeRate: number, reruns: number) {
    this.#random = random;
    this.#flakeRate = flakeRate;
    this.#reruns = reruns;
  }

  /** The gate is idle until the next branch arrives. */
  waitUntil(time: number): void {
    this.now = Math.max(this.now, time);
  }

  readonly ops: BatchOps<SimBranch> = {
    combine: async (base, candidates) => {
      const combined: Combined<SimBranch> = { tip: base, merged: [], conflicted: [] };
      for (const candidate of candidates) {
        const commit = `${combined.tip}+${candidate.id}`;
        this.#hasBad.set(commit, (this.#hasBad.get(combined.tip) ?? false) || candidate.bad);
        combined.tip = commit;
        combined.merged.push({ candidate, commit });
      }
      return combined;
    },
    test: async (commit) => {
      const broken = this.#hasBad.get(commit) ?? false;
      const failed = this.#run(broken, [BROKEN, FLAKY], 1).filter((t) => t.status === 'failed');
      if (failed.length === 0) return { passed: true, detail: '' };
      const rerun = async (tests: TestCase[]): Promise<SuiteRun> => {
        this.reruns += 1;
        return { tests: this.#run(broken, tests.map((t) => t.id), RERUN_TIME), durationMs: 1 };
      };
      const { stillFailing, flaky } = await settleByHistory(failed, rerun, this.#reruns, (id) => this.#seenFlaky.has(id));
      for (const test of flaky) this.#seenFlaky.add(test.id);
      if (stillFailing.length === 0) return { passed: true, detail: '' };
      return { passed: false, detail: stillFailing.map((t) => t.id).join(', ') };
    },
  };

  #run(broken: boolean, ids: readonly string[], time: number): TestCase[] {
    this.now += time;
    this.runs += 1;
    return ids.map((id) => {
      const fails = id === BROKEN ? broken : this.#random() < this.#flakeRate;
      return testCase(id, fails ? 'failed' : 'passed');
    });
  }
}
