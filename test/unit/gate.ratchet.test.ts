import { describe, expect, it } from 'vitest';
import { judge, renderProblems, type Problem, type ProblemKind } from '../../harness/gate/ratchet.ts';
import type { SuiteRun, TestCase, TestStatus } from '../../harness/gate/results/types.ts';

const ADDS = 'a.test.ts > sum > adds';
const SUBTRACTS = 'a.test.ts > sum > subtracts';
const NEW = 'b.test.ts > new';

/** A test from its id; `extra` sets focus or a failure message. */
function test(id: string, status: TestStatus, extra: Partial<TestCase> = {}): TestCase {
  const [file = '', ...rest] = id.split(' > ');
  return { id, file, path: rest.slice(0, -1), title: rest.at(-1) ?? '', status, ...extra };
}

function run(...tests: TestCase[]): SuiteRun {
  return { tests, durationMs: 10 };
}

const none = { quarantined: new Set<string>() };
const kinds = (problems: readonly Problem[]) => problems.map((p) => [p.kind, p.id]);

describe('judge', () => {
  const cases: Array<{ name: string; baseline: SuiteRun | undefined; candidate: SuiteRun; expected: Array<[ProblemKind, string]> }> = [
    {
      name: 'when every test that passed on main passes, it finds nothing',
      baseline: run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed')),
      candidate: run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed')),
      expected: [],
    },
    {
      name: 'when a test that passed on main fails, it is a failure',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'failed')),
      expected: [['failed', ADDS]],
    },
    {
      name: 'when a test that passed on main is skipped, it is a problem',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'skipped')),
      expected: [['skipped', ADDS]],
    },
    {
      name: 'when a test that passed on main is marked todo, it is a problem',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'todo')),
      expected: [['todo', ADDS]],
    },
    {
      name: 'when a test that passed on main did not run, it is missing',
      baseline: run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed')),
      candidate: run(test(ADDS, 'passed')),
      expected: [['missing', SUBTRACTS]],
    },
    {
      name: 'when a new test fails, it is new-failing',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'passed'), test(NEW, 'failed')),
      expected: [['new-failing', NEW]],
    },
    {
      name: 'when a new test is skipped or todo, it finds nothing',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'passed'), test(NEW, 'skipped'), test(`${NEW} 2`, 'todo')),
      expected: [],
    },
    {
      name: 'when tests already failed, were skipped or todo on main, it does not blame the branch',
      baseline: run(test(ADDS, 'failed'), test(SUBTRACTS, 'skipped'), test(NEW, 'todo')),
      candidate: run(test(ADDS, 'failed'), test(SUBTRACTS, 'failed')),
      expected: [],
    },
    {
      name: 'when a test is focused, it is a problem even if everything passes',
      baseline: run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed')),
      candidate: run(test(ADDS, 'passed', { focused: true }), test(SUBTRACTS, 'skipped')),
      expected: [['focused', ADDS], ['skipped', SUBTRACTS]],
    },
    {
      name: 'when there is no baseline, it judges only new failures and focus',
      baseline: undefined,
      candidate: run(test(ADDS, 'failed'), test(SUBTRACTS, 'skipped'), test(NEW, 'passed', { focused: true })),
      expected: [['focused', NEW], ['new-failing', ADDS]],
    },
    {
      name: 'when one id is reported twice and one copy fails, it is a failure',
      baseline: run(test(ADDS, 'passed')),
      candidate: run(test(ADDS, 'passed'), test(ADDS, 'failed')),
      expected: [['failed', ADDS]],
    },
  ];

  it.each(cases)('$name', ({ baseline, candidate, expected }) => {
    const verdict = judge(baseline, candidate, none);
    expect(kinds(verdict.problems)).toEqual(expected);
    expect(verdict.passed).toBe(expected.length === 0);
    expect(verdict.excused).toEqual([]);
  });

  it('when quarantined tests fail, skip, vanish or focus, it passes and lists them as excused', () => {
    const baseline = run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed'));
    const candidate = run(test(ADDS, 'failed', { focused: true }), test(NEW, 'failed'));
    const verdict = judge(baseline, candidate, { quarantined: new Set([ADDS, SUBTRACTS, NEW]) });
    expect(verdict.passed).toBe(true);
    expect(verdict.problems).toEqual([]);
    expect(kinds(verdict.excused)).toEqual([['focused', ADDS], ['failed', ADDS], ['new-failing', NEW], ['missing', SUBTRACTS]]);
  });

  it('when only some failures are quarantined, it still rejects for the others', () => {
    const verdict = judge(run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed')), run(test(ADDS, 'failed'), test(SUBTRACTS, 'failed')), {
      quarantined: new Set([ADDS]),
    });
    expect(verdict.passed).toBe(false);
    expect(kinds(verdict.problems)).toEqual([['failed', SUBTRACTS]]);
    expect(kinds(verdict.excused)).toEqual([['failed', ADDS]]);
  });

  it('when a test fails, its message says what happened in plain words with the first line of the failure', () => {
    const verdict = judge(run(test(ADDS, 'passed')), run(test(ADDS, 'failed', { message: '\nexpected 3, got 4\n    at sum (a.ts:3)' })), none);
    expect(verdict.problems[0]?.message).toBe('`a.test.ts > sum > adds` passed on main and fails here: expected 3, got 4');
  });

  it('when each kind of problem is found, every message names the test on one line', () => {
    const verdict = judge(
      run(test(ADDS, 'passed'), test(SUBTRACTS, 'passed'), test('c.test.ts > c', 'passed'), test('d.test.ts > d', 'passed')),
      run(test(ADDS, 'skipped'), test(SUBTRACTS, 'todo'), test('c.test.ts > c', 'passed', { focused: true }), test(NEW, 'failed', { message: 'x'.repeat(500) })),
      none,
    );
    expect(verdict.problems.map((p) => p.message)).toEqual([
      '`c.test.ts > c` is focused with .only, which keeps the other tests from running: remove the .only',
      `\`${NEW}\` is new and fails: ${'x'.repeat(199)}…`,
      `\`${ADDS}\` passed on main and is skipped here: remove the .skip`,
      `\`${SUBTRACTS}\` passed on main and is marked todo here: restore the test`,
      '`d.test.ts > d` passed on main and did not run here (deleted, renamed, or its file failed to load)',
    ]);
  });
});

describe('renderProblems', () => {
  const problems = Array.from({ length: 53 }, (_, i): Problem => ({ id: `t${i}`, kind: 'failed', message: `t${i} fails` }));

  it('when there are more problems than the limit, it lists the first ones and says how many more', () => {
    const lines = renderProblems(problems).split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('t0 fails');
    expect(lines[49]).toBe('t49 fails');
    expect(lines[50]).toBe('and 3 more');
  });

  it('when the problems fit, it lists them all, one per line', () => {
    expect(renderProblems(problems.slice(0, 2), 2)).toBe('t0 fails\nt1 fails');
    expect(renderProblems([])).toBe('');
  });
});
