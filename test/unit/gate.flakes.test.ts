import { describe, expect, it } from 'vitest';
import { settleFailures } from '../../harness/gate/flakes.ts';
import { mulberry32 } from '../../harness/gate/prng.ts';
import type { SuiteRun, TestCase, TestStatus } from '../../harness/gate/results/types.ts';

function failing(id: string): TestCase {
  return { id, file: id.split(' > ')[0] ?? id, path: [], title: id, status: 'failed', message: 'boom' };
}

/** A rerun that plays each test's scripted outcomes in order and records what it was asked to run. */
function scripted(outcomes: Record<string, TestStatus[]>) {
  const calls: string[][] = [];
  const rerun = async (tests: TestCase[]): Promise<SuiteRun> => {
    calls.push(tests.map((t) => t.id));
    const reported = tests.flatMap((t) => {
      const status = outcomes[t.id]?.shift();
      return status === undefined ? [] : [{ ...t, status }];
    });
    return { tests: reported, durationMs: 1 };
  };
  return { rerun, calls };
}

const ids = (tests: readonly TestCase[]) => tests.map((t) => t.id);

describe('settleFailures', () => {
  it('when a failure passes on the first re-run, it is flaky and re-run once, together with the other failures', async () => {
    const { rerun, calls } = scripted({ a: ['passed'], b: ['failed', 'failed'] });
    const settled = await settleFailures([failing('a'), failing('b')], rerun, 2);
    expect(ids(settled.flaky)).toEqual(['a']);
    expect(ids(settled.stillFailing)).toEqual(['b']);
    expect(calls).toEqual([['a', 'b'], ['b']]);
  });

  it('when a failure passes only on the last re-run, it is flaky', async () => {
    const { rerun, calls } = scripted({ a: ['failed', 'passed'] });
    const settled = await settleFailures([failing('a')], rerun, 2);
    expect(ids(settled.flaky)).toEqual(['a']);
    expect(settled.stillFailing).toEqual([]);
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('when a failure fails every re-run, it stays failing after exactly `reruns` rounds', async () => {
    const { rerun, calls } = scripted({ a: ['failed', 'failed', 'failed', 'passed'] });
    const settled = await settleFailures([failing('a')], rerun, 3);
    expect(ids(settled.stillFailing)).toEqual(['a']);
    expect(settled.flaky).toEqual([]);
    expect(calls).toHaveLength(3);
  });

  it('when reruns is 0, it runs nothing and every failure stands', async () => {
    const { rerun, calls } = scripted({ a: ['passed'] });
    const settled = await settleFailures([failing('a')], rerun, 0);
    expect(ids(settled.stillFailing)).toEqual(['a']);
    expect(calls).toEqual([]);
  });

  it('when a re-run does not report a test (its file crashed), the test stays failing', async () => {
    const { rerun } = scripted({ a: [], b: ['passed'] });
    const settled = await settleFailures([failing('a'), failing('b')], rerun, 2);
    expect(ids(settled.stillFailing)).toEqual(['a']);
    expect(ids(settled.flaky)).toEqual(['b']);
  });

  it('when a re-run is skipped rather than passed, the test stays failing', async () => {
    const { rerun } = scripted({ a: ['skipped', 'todo'] });
    expect(ids((await settleFailures([failing('a')], rerun, 2)).stillFailing)).toEqual(['a']);
  });

  it('when nothing failed, it never calls rerun', async () => {
    const { rerun, calls } = scripted({});
    expect(await settleFailures([], rerun, 2)).toEqual({ stillFailing: [], flaky: [] });
    expect(calls).toEqual([]);
  });

  it('when the re-run itself cannot run, the error reaches the caller', async () => {
    await expect(settleFailures([failing('a')], () => Promise.reject(new Error('container died')), 2)).rejects.toThrow('container died');
  });
});

describe('settleFailures on a flaky but correct test', () => {
  // A correct test that fails 30 % of runs at random. With reruns = 2 it is
  // wrongly left failing only when the gate run and both re-runs fail:
  // 0.3³ = 2.7 % of gate runs, or 0.3² = 9 % of the runs in which it failed.
  // So "never left failing over 50 gate runs" would be false: that happens
  // with probability 0.973⁵⁰ ≈ 25 %. The quarantine exists for such tests.
  const P_FAIL = 0.3;
  const RERUNS = 2;
  const TRIALS = 20_000;

  it('when simulated over many gate runs, the share wrongly left failing matches p^(reruns+1)', async () => {
    // Seeded, so the simulation gives the same numbers every time.
    const random = mulberry32(42);
    const rerun = async (tests: TestCase[]): Promise<SuiteRun> => ({
      tests: tests.map((t) => ({ ...t, status: random() < P_FAIL ? 'failed' : 'passed' })),
      durationMs: 1,
    });
    let failedFirst = 0;
    let leftFailing = 0;
    for (let trial = 0; trial < TRIALS; trial += 1) {
      if (random() >= P_FAIL) continue;
      failedFirst += 1;
      const settled = await settleFailures([failing('a')], rerun, RERUNS);
      leftFailing += settled.stillFailing.length;
    }
    // 4 standard deviations of the binomial share: the seed is fixed, the bound is honest for any seed too.
    const tolerance = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(leftFailing / TRIALS - P_FAIL ** (RERUNS + 1))).toBeLessThan(tolerance(P_FAIL ** 3, TRIALS));
    expect(Math.abs(leftFailing / failedFirst - P_FAIL ** RERUNS)).toBeLessThan(tolerance(P_FAIL ** 2, failedFirst));
    expect(1 - (1 - P_FAIL ** (RERUNS + 1)) ** 50).toBeCloseTo(0.7455, 3);
  });
});
