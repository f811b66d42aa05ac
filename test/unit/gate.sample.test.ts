import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chooseSample, selectionCommand, type SampleInput } from '../../harness/gate/index.ts';
import { testId, type TestCase } from '../../harness/gate/results/types.ts';

const FILES = ['test/a.test.ts', 'test/b.test.ts', 'test/c.test.ts', 'test/d.test.ts', 'test/math.test.ts', 'test/util.test.ts'];

/** 6 files × 5 tests × 100 ms: 3 s of suite. */
function suite(): TestCase[] {
  return FILES.flatMap((file) =>
    Array.from({ length: 5 }, (_, index) => {
      const path = index % 2 === 0 ? ['group'] : [];
      const title = `case ${index}`;
      return { id: testId(file, path, title), file, path, title, status: 'passed' as const, durationMs: 100 };
    }),
  );
}

function input(overrides: Partial<SampleInput> = {}): SampleInput {
  return { tests: suite(), changedFiles: [], recentFailures: [], budget: 0.2, seed: 1, ...overrides };
}

function stratified(sample: ReturnType<typeof chooseSample>): string[] {
  return sample.chosen.filter((test) => test.reason === 'stratified').map((test) => test.id);
}

describe('chooseSample', () => {
  it('when two seeds sample the same suite, it chooses different stratified tests', () => {
    const first = chooseSample(input({ seed: 1 }));
    const second = chooseSample(input({ seed: 2 }));

    expect(stratified(first)).toHaveLength(6);
    expect(stratified(second)).toHaveLength(6);
    expect(stratified(first)).not.toEqual(stratified(second));
    expect(chooseSample(input({ seed: 1 }))).toEqual(first);
  });

  it('when the budget allows one test per file, it takes one from every file', () => {
    const sample = chooseSample(input({ budget: 0.2 }));

    expect(new Set(sample.chosen.map((test) => test.file))).toEqual(new Set(FILES));
    expect(sample.budgetMs).toBe(600);
    expect(sample.estimatedMs).toBe(600);
  });

  it('when a source file changed and tests failed recently, every seed includes their tests first', () => {
    const failure = testId('test/a.test.ts', [], 'case 1');
    for (const seed of [1, 2, 3]) {
      const sample = chooseSample(input({ seed, changedFiles: ['src/math.ts'], recentFailures: [failure] }));

      expect(sample.chosen[0]).toMatchObject({ id: failure, reason: 'recent-failure' });
      const changed = sample.chosen.filter((test) => test.reason === 'changed-file');
      expect(changed.map((test) => test.file)).toEqual(Array(5).fill('test/math.test.ts'));
    }
  });

  it('when priority tests use part of the budget, the stratified part fits in what is left', () => {
    const sample = chooseSample(input({ budget: 0.2, changedFiles: ['test/b.test.ts'], related: ['test/util.test.ts'] }));

    const priority = sample.chosen.filter((test) => test.reason !== 'stratified');
    expect(priority).toHaveLength(10);
    expect(stratified(sample)).toHaveLength(0);
    expect(sample.estimatedMs).toBe(1000);

    const roomy = chooseSample(input({ budget: 0.5, changedFiles: ['test/b.test.ts'] }));
    expect(stratified(roomy).length * 100).toBeLessThanOrEqual(roomy.budgetMs - 500);
    expect(stratified(roomy)).toHaveLength(10);
    expect(new Set(roomy.chosen.filter((test) => test.reason === 'stratified').map((test) => test.file)).size).toBe(5);
  });

  it('when the budget is tiny, priority groups still run and nothing else does', () => {
    const sample = chooseSample(input({ budget: 0.001, changedFiles: ['src/util.ts'] }));

    expect(sample.chosen.map((test) => test.reason)).toEqual(Array(5).fill('changed-file'));
  });

  it('when some tests were already sampled, it prefers the ones that were not', () => {
    const tests = suite();
    const fresh = new Set(tests.filter((_, index) => index % 3 === 0).map((test) => test.id));
    const covered = Object.fromEntries(tests.filter((test) => !fresh.has(test.id)).map((test) => [test.id, 1]));

    for (const seed of [1, 2, 3]) {
      const chosen = stratified(chooseSample(input({ seed, covered, budget: 10 * 100 / 3000 })));
      expect(chosen).toHaveLength(10);
      expect(chosen.every((id) => fresh.has(id))).toBe(true);
    }
  });

  it('when the branch adds a test file the suite does not know, it is run whole', () => {
    const sample = chooseSample(input({ changedFiles: ['test/new.test.ts', 'src/new.ts'] }));

    expect(sample.newTestFiles).toEqual(['test/new.test.ts']);
  });

  it('when a recent failure is a test main does not have, it is still chosen from its id', () => {
    const sample = chooseSample(input({ recentFailures: ['test/new.test.ts > group > adds'] }));

    expect(sample.chosen[0]).toEqual({ id: 'test/new.test.ts > group > adds', file: 'test/new.test.ts', title: 'adds', reason: 'recent-failure' });
  });

  it('when tests were skipped on main, the stratified sample leaves them out', () => {
    const tests = suite().map((test) => (test.file === 'test/a.test.ts' ? { ...test, status: 'skipped' as const } : test));

    const files = chooseSample(input({ tests, budget: 1 })).chosen.map((test) => test.file);
    expect(files).not.toContain('test/a.test.ts');
    expect(files).toHaveLength(25);
  });
});

describe('selectionCommand', () => {
  const chosen = [
    { file: "test/it's here.test.ts", title: `quotes "double" and 'single'` },
    { file: 'test/a.test.ts', title: 'regex (a+b)* [x] {2} ^$ | \\ . ?' },
    { file: 'test/a.test.ts', title: 'costs $& and $1 in $$' },
  ];
  const sh = (command: string): string => execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8' });

  it('when files contain quotes and spaces, the shell gets each file once, intact', () => {
    const output = sh(selectionCommand(`printf '%s\\n' {files}`, chosen));

    expect(output.split('\n').filter(Boolean)).toEqual(["test/it's here.test.ts", 'test/a.test.ts']);
  });

  it('when titles contain quotes and regex metacharacters, the pattern matches exactly those tests, with or without describe blocks', () => {
    const pattern = new RegExp(sh(selectionCommand(`printf '%s' {pattern}`, chosen)));

    for (const { title } of chosen) {
      expect(pattern.test(title)).toBe(true);
      expect(pattern.test(`outer inner ${title}`)).toBe(true);
    }
    expect(pattern.test('regex ab [x] {2}')).toBe(false);
    expect(pattern.test(`${chosen[0]?.title} and more`)).toBe(false);
    expect(pattern.test(`prefix${chosen[2]?.title}`)).toBe(false);
  });
});
