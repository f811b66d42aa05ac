import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOOLS } from '../../harness/agents/build-agent-tools.ts';
import { testId, type TestCase } from '../../harness/gate/results/types.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

const GANTRY_TEST_SCRIPT = AGENT_TOOLS.find((tool) => tool.name === 'gantry-test')?.script ?? 'gantry-test';
const VITEST = resolve(import.meta.dirname, '../../node_modules/.bin/vitest');
// `--globals`: the temp repository has no node_modules to import vitest from.
const RUN = `${VITEST} run --globals --reporter=json --outputFile=$GANTRY_RESULTS`;

/** Each numbered case waits this long, so the suite runs long enough to compare a fast run's time with the full run's. */
const CASE_MS = 40;

/** A small real suite: 6 files, 32 tests, some inside describe blocks; `may fail` fails when FAIL_MAY is set. */
function suiteFiles(): Record<string, string> {
  const files: Record<string, string> = {
    '.gitignore': 'node_modules/\n.gantry/\n',
    'src/math.ts': 'export const add = (a: number, b: number): number => a + b;\n',
    'src/util.ts': 'export const twice = (text: string): string => text + text;\n',
  };
  const cases = (prefix: string): string =>
    Array.from({ length: 5 }, (_, index) => `it('${prefix} case ${index}', async () => { await new Promise((resolve) => setTimeout(resolve, ${CASE_MS})); expect(${index} + 1).toBe(${index + 1}); });`).join('\n');
  files['test/math.test.ts'] = `import { add } from '../src/math.ts';\ndescribe('math', () => {\n${cases('math')}\nit('adds', () => { expect(add(1, 2)).toBe(3); });\n});\n`;
  files['test/helpers.test.ts'] = `import { twice } from '../src/util.ts';\n${cases('helpers')}\n`;
  files['test/fragile.test.ts'] = `describe('fragile', () => { describe('inner', () => {\n${cases('fragile')}\nit('may fail', () => { expect(process.env.FAIL_MAY).toBeUndefined(); });\n}); });\n`;
  for (const name of ['alpha', 'beta', 'gamma']) files[`test/${name}.test.ts`] = `describe('${name}', () => {\n${cases(name)}\n});\n`;
  return files;
}

interface VitestReport {
  testResults: Array<{ name: string; assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; duration?: number }> }>;
}

/** vitest's JSON report as test cases (the gate's own parsers live elsewhere; this fixture needs only ids, status and durations). */
async function readResults(root: string, file: string): Promise<TestCase[]> {
  const report = JSON.parse(await readFile(file, 'utf8')) as VitestReport;
  return report.testResults.flatMap((result) =>
    result.assertionResults.map((test) => {
      const path = relative(root, result.name);
      const status = test.status === 'passed' || test.status === 'failed' ? test.status : 'skipped';
      return { id: testId(path, test.ancestorTitles, test.title), file: path, path: test.ancestorTitles, title: test.title, status, durationMs: test.duration ?? 0 };
    }),
  );
}

function sumMs(tests: readonly TestCase[]): number {
  return tests.reduce((sum, test) => sum + (test.durationMs ?? 0), 0);
}

describe('gantry-test', () => {
  let dir: string;
  let work: string;
  let env: Record<string, string>;

  const gantryTest = (args: string[], extra: Record<string, string> = {}) =>
    execa('node', [GANTRY_TEST_SCRIPT, ...args], { cwd: work, env: { ...env, ...extra }, extendEnv: true, reject: false });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-test-'));
    const upstream = join(dir, 'upstream');
    work = join(dir, 'work');
    await plainGit(dir, ['init', '--quiet', '--initial-branch=main', upstream]);
    await commitFiles(upstream, suiteFiles(), 'suite');
    // A work tree as the controller makes it: a clone on main, then the task's branch.
    await plainGit(dir, ['clone', '--quiet', '--single-branch', '--branch', 'main', upstream, work]);
    await plainGit(work, ['switch', '--quiet', '--create', 'gantry/t1']);
    await writeFile(join(dir, 'suite.json'), JSON.stringify({ command: RUN, select: `${RUN} {files} -t {pattern}`, format: 'vitest', fastBudget: 0.5, root: work }));
    env = { GANTRY_SUITE_FILE: join(dir, 'suite.json'), GANTRY_TESTS_FILE: join(dir, 'tests.json'), GANTRY_WORK_TREE: work, GANTRY_TASK_ID: 't1', GANTRY_SESSION: '1' };

    // Main's baseline comes from a full run through gantry-test itself; equal durations make the budget easy to reason about.
    const full = await gantryTest([], { GANTRY_RESULTS: join(dir, 'full.json') });
    expect(full.exitCode, full.stderr).toBe(0);
    const tests = (await readResults(work, join(dir, 'full.json'))).map((test) => ({ ...test, durationMs: 100 }));
    expect(tests).toHaveLength(32);
    await writeFile(join(dir, 'tests.json'), JSON.stringify({ tests, durationMs: 3200 }));

    // The branch changes a source file (uncommitted) and adds a test file.
    await writeFile(join(work, 'src/math.ts'), 'export const add = (a: number, b: number): number => b + a;\n');
    await writeFile(join(work, 'test/new.test.ts'), "it('new one', () => { expect(1).toBe(1); });\nit('new two', () => { expect(2).toBe(2); });\n");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when run with --dry-run, it prints the seed, the choice by reason and the command, and runs nothing', async () => {
    const result = await gantryTest(['--fast', '--seed', '7', '--dry-run']);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('seed 7 (repeat with --seed 7)');
    expect(result.stdout).toMatch(/chose \d+ of 32 tests in \d+ files: 0 recent-failure, 6 changed-file, 0 related, \d+ stratified/);
    expect(result.stdout).toContain('[changed-file] test/math.test.ts > math > adds');
    expect(result.stdout).toContain('new test files, run whole: test/new.test.ts');
    expect(result.stdout).toMatch(/\$ .*vitest run .*'test\/math\.test\.ts' .*-t '\^/);
    await expect(readFile(join(work, '.gantry/coverage.json'), 'utf8')).rejects.toThrow();
  });

  it('when a source changes, test files importing it are related', async () => {
    await writeFile(join(work, 'src/util.ts'), 'export const twice = (text: string): string => `${text}${text}`;\n');
    try {
      const result = await gantryTest(['--fast', '--seed', '7', '--dry-run']);
      expect(result.stdout).toContain('5 related');
      expect(result.stdout).toContain('[related] test/helpers.test.ts > helpers case 0');
    } finally {
      await plainGit(work, ['checkout', '--quiet', '--', 'src/util.ts']);
    }
  });

  it('when two seeds sample, they choose different tests', async () => {
    const stratified = async (seed: string) =>
      (await gantryTest(['--fast', '--seed', seed, '--dry-run'])).stdout.split('\n').filter((line) => line.includes('[stratified]'));

    const [one, two] = [await stratified('1'), await stratified('2')];
    expect(one.length).toBeGreaterThan(0);
    expect(one).not.toEqual(two);
  });

  it('when run with --fast, it runs only the chosen tests (nested in describe blocks or not), the new test files, and records coverage', async () => {
    const results = join(dir, 'fast.json');
    const dry = await gantryTest(['--fast', '--seed', '3', '--dry-run']);
    const chosen = dry.stdout.split('\n').flatMap((line) => /^ {2}\[[a-z-]+\] (.*)$/.exec(line)?.[1] ?? []);

    const result = await gantryTest(['--fast', '--seed', '3'], { GANTRY_RESULTS: results });

    expect(result.exitCode, result.stderr).toBe(0);
    const ran = (await readResults(work, results)).filter((test) => test.status !== 'skipped').map((test) => test.id);
    expect(ran.sort()).toEqual([...chosen].sort());
    expect(chosen.some((id) => id.startsWith('test/fragile.test.ts > fragile > inner'))).toBe(true);
    const added = (await readResults(work, `${results}-new-files`)).map((test) => [test.id, test.status]);
    expect(added).toEqual([['test/new.test.ts > new one', 'passed'], ['test/new.test.ts > new two', 'passed']]);
    const coverage = JSON.parse(await readFile(join(work, '.gantry/coverage.json'), 'utf8')) as Record<string, number>;
    expect(Object.keys(coverage).sort()).toEqual([...chosen].sort());
  });

  it('when two seeds run for real, they choose different tests, both run the changed file, and each takes at most the budget share of the full run', async () => {
    // A baseline with real durations, so the budget is a share of real time.
    const full = await gantryTest([], { GANTRY_RESULTS: join(dir, 'timed-full.json') });
    expect(full.exitCode, full.stderr).toBe(0);
    const baseline = await readResults(work, join(dir, 'timed-full.json'));
    const fullMs = sumMs(baseline);
    expect(fullMs).toBeGreaterThanOrEqual(30 * CASE_MS);
    const timed = { GANTRY_TESTS_FILE: join(dir, 'timed-tests.json') };
    await writeFile(timed.GANTRY_TESTS_FILE, JSON.stringify({ tests: baseline, durationMs: fullMs }));
    const budget = 0.25;

    const fastRun = async (seed: string, share = budget) => {
      const results = join(dir, `timed-fast-${seed}.json`);
      const result = await gantryTest(['--fast', '--seed', seed, '--budget', `${share * 100}%`], { ...timed, GANTRY_RESULTS: results });
      expect(result.exitCode, result.stderr).toBe(0);
      // The baseline knows test/new.test.ts, so it runs as a changed file, in the one selection run.
      const ran = (await readResults(work, results)).filter((test) => test.status !== 'skipped');
      return { ids: ran.map((test) => test.id).sort(), ms: sumMs(ran) };
    };
    const [one, two] = [await fastRun('11'), await fastRun('12')];

    expect(one.ids).not.toEqual(two.ids);
    const changedFileTests = baseline.filter((test) => test.file === 'test/math.test.ts').map((test) => test.id);
    expect(changedFileTests).toHaveLength(6);
    for (const run of [one, two]) expect(run.ids).toEqual(expect.arrayContaining(changedFileTests));
    // Test time, not wall time: vitest's start-up (about a second here) is the same for any sample. The slack covers timer jitter: each timed case may overrun its 40 ms a little.
    const slackMs = 100;
    const withinBudget = (ms: number) => ms <= budget * fullMs + slackMs;
    for (const run of [one, two]) expect(withinBudget(run.ms), `${run.ms} ms of tests against ${budget * fullMs} ms`).toBe(true);
    expect(Math.min(one.ms, two.ms)).toBeGreaterThan(0);
    // The bound can fail: a sample allowed the whole suite's time breaks it.
    expect(withinBudget((await fastRun('13', 1)).ms)).toBe(false);
  });

  it('when a chosen test fails, the exit code passes through', async () => {
    await writeFile(join(dir, 'suite.json'), JSON.stringify({ command: RUN, select: `${RUN} {files} -t {pattern}`, fastBudget: 0.01, root: work, recentFailures: ['test/fragile.test.ts > fragile > inner > may fail'] }));

    const failing = await gantryTest(['--fast', '--seed', '1'], { FAIL_MAY: '1', GANTRY_RESULTS: join(dir, 'fail.json') });
    const passing = await gantryTest(['--fast', '--seed', '1'], { GANTRY_RESULTS: join(dir, 'pass.json') });

    expect(failing.stdout).toContain('[recent-failure] test/fragile.test.ts > fragile > inner > may fail');
    expect(failing.exitCode).toBe(1);
    expect(passing.exitCode).toBe(0);
  });

  it('when --budget is not a share, it exits 2 and says how to write one', async () => {
    const result = await gantryTest(['--fast', '--budget', '150%']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('e.g. 5% or 0.05');
  });
});
