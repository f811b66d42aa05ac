import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestCase } from '../../harness/gate/results/index.ts';
import type { TestRunResult } from '../../harness/gate/test-run.ts';
import type { MainCommit } from '../../harness/git/types.ts';
import type { TaskRecord, TaskState } from '../../harness/queue/types.ts';
import type { Role } from '../../harness/roles/types.ts';
import { benchmark } from '../../harness/sources/benchmark.ts';
import { duplicates } from '../../harness/sources/duplicates.ts';
import { failingTests } from '../../harness/sources/failing-tests.ts';
import { findDuplicates } from '../../harness/sources/find-duplicates.ts';
import { review } from '../../harness/sources/review.ts';
import { staleDocs } from '../../harness/sources/stale-docs.ts';
import type { CommandOutcome, SourceInput } from '../../harness/sources/types.ts';

const HEAD = 'a'.repeat(40);
const FRAME = ['function frame(text) {', '  const line = "-".repeat(text.length);', '  console.log(`+-${line}-+`);', '  console.log(`| ${text} |`);', '  console.log(`+-${line}-+`);', '  return line.length;', '}'];

let tree: string;
beforeEach(async () => {
  tree = await mkdtemp(path.join(tmpdir(), 'gantry-sources-'));
});
afterEach(async () => {
  await rm(tree, { recursive: true, force: true });
});

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(tree, name)), { recursive: true });
    await writeFile(path.join(tree, name), text);
  }
}

function role(scope: Partial<Role['scope']> = {}): Role {
  return { name: 'r', priority: 50, prompt: 'x', agent: {}, scope: { owns: ['**'], avoid: [], ...scope }, limits: {}, file: '/roles/r.yaml', builtIn: false };
}

function record(subject: string, state: TaskState, source = 'failing-tests'): TaskRecord {
  return { task: { id: `id-${subject}`, text: subject, role: 'r', files: [], source, subject, createdAt: '' }, state, attempts: 0 };
}

function test(file: string, title: string, status: TestCase['status']): TestCase {
  return { id: `${file} > ${title}`, file, path: [], title, status, ...(status === 'failed' ? { message: `${title} broke` } : {}) };
}

function input(over: Partial<SourceInput> = {}): SourceInput {
  const never = () => Promise.reject(new Error('not expected in this test'));
  return { role: role(), head: HEAD, commits: [], tree: async () => tree, runOnMain: never, suiteOnMain: never, tasks: async () => [], ...over };
}

function suite(tests: TestCase[]): () => Promise<TestRunResult> {
  return async () => ({ exitCode: tests.some((t) => t.status === 'failed') ? 1 : 0, timedOut: false, oomKilled: false, durationMs: 1, outputTail: '', results: { tests, durationMs: 1 } });
}

function commit(files: string[], taskId?: string): MainCommit {
  return { commit: `${files.length}`.padStart(40, 'c'), files, ...(taskId ? { taskId } : {}) };
}

describe('the duplicate detector', () => {
  it('when one block is copied into two files, with other indentation and blank lines, it is one duplicate naming both places and their lines', () => {
    const copy = ['// a copy', '', ...FRAME.map((line) => `    ${line}`).flatMap((line, i) => (i === 3 ? [line, ''] : [line])), 'frame("b");'];
    const found = findDuplicates([{ path: 'a.js', text: [...FRAME, 'frame("a");'].join('\n') }, { path: 'b.js', text: copy.join('\n') }], 6);
    expect(found).toEqual([{ key: expect.stringMatching(/^[0-9a-f]{16}$/), lines: 7, places: [{ path: 'a.js', startLine: 1, endLine: 7 }, { path: 'b.js', startLine: 3, endLine: 10 }] }]);
  });

  it('when a block is shorter than minLines, or holds only brackets, or differs in one line, nothing is found', () => {
    const brackets = ['}', '})', ']', '}', '})', ']', '}'].join('\n');
    const changed = FRAME.map((line, i) => (i === 3 ? '  console.log(text);' : line));
    expect(findDuplicates([{ path: 'a.js', text: FRAME.join('\n') }, { path: 'b.js', text: FRAME.join('\n') }], 8)).toEqual([]);
    expect(findDuplicates([{ path: 'a.js', text: brackets }, { path: 'b.js', text: brackets }], 6)).toEqual([]);
    expect(findDuplicates([{ path: 'a.js', text: FRAME.join('\n') }, { path: 'b.js', text: changed.join('\n') }], 6)).toEqual([]);
  });

  it('when three copies exist, one of them twice in one file, each place is named once and the largest duplicate comes first', () => {
    const small = ['const total = items.reduce((sum, item) => sum + item.price, 0);', 'const tax = total * rate;', 'const shipping = total > 100 ? 0 : 9;', 'return total + tax + shipping;'];
    const found = findDuplicates([
      { path: 'a.js', text: [...FRAME, '', ...FRAME].join('\n') },
      { path: 'b.js', text: [...FRAME, ...small].join('\n') },
      { path: 'c.js', text: small.join('\n') },
    ], 4);
    expect(found.map((d) => d.places.map((p) => `${p.path}:${p.startLine}-${p.endLine}`))).toEqual([
      ['a.js:1-7', 'a.js:9-15', 'b.js:1-7'],
      ['b.js:8-11', 'c.js:1-4'],
    ]);
  });
});

describe('task sources', () => {
  it('failing-tests: one task per failing test, one per file past perFile, none for a test an open file task covers; passing tests withdraw their waiting tasks', async () => {
    const tests = [
      test('a.test.js', 'one', 'failed'), test('a.test.js', 'two', 'passed'),
      test('b.test.js', 'x', 'failed'), test('b.test.js', 'y', 'failed'), test('b.test.js', 'z', 'failed'),
      test('c.test.js', 'only', 'failed'),
    ];
    const open = [record('failing-file c.test.js', 'waiting'), record('failing-test a.test.js > two', 'waiting'), record('failing-test d.test.js > gone', 'active'), record('failing-test a.test.js > one', 'waiting')];
    const output = await failingTests({ kind: 'failing-tests', perFile: 2 }, input({ suiteOnMain: suite(tests), tasks: async () => open }));
    expect(output.tasks.map((t) => [t.subject, t.files])).toEqual([
      ['failing-test a.test.js > one', ['a.test.js']],
      ['failing-file b.test.js', ['b.test.js']],
    ]);
    expect(output.tasks[0]?.text).toBe(`Make the failing test pass: a.test.js > one\n\nIt fails on main (commit ${HEAD.slice(0, 12)}):\n\na.test.js > one\n\`\`\`\none broke\n\`\`\``);
    expect(output.tasks[1]?.text).toMatch(/^Make the 3 failing tests in b\.test\.js pass\./);
    // a > two passes now and had not started; d > gone is running: it is left to finish.
    expect(output.withdraw).toEqual([{ taskId: 'id-failing-test a.test.js > two', reason: 'its tests pass on main now' }]);
  });

  it('failing-tests: a suite with no per-test results is one task while it fails, withdrawn once it passes', async () => {
    const failing = async () => ({ exitCode: 2, timedOut: false, oomKilled: false, durationMs: 1, outputTail: 'boom' });
    const failed = await failingTests({ kind: 'failing-tests', perFile: 3 }, input({ suiteOnMain: failing }));
    expect(failed.tasks).toEqual([expect.objectContaining({ subject: 'failing-suite', text: expect.stringMatching(/^Make the test suite pass on main: it fails \(exit 2\)[\s\S]*boom/) })]);
    const passing = async () => ({ exitCode: 0, timedOut: false, oomKilled: false, durationMs: 1, outputTail: '' });
    const passed = await failingTests({ kind: 'failing-tests', perFile: 3 }, input({ suiteOnMain: passing, tasks: async () => [record('failing-suite', 'delayed')] }));
    expect(passed).toEqual({ tasks: [], withdraw: [{ taskId: 'id-failing-suite', reason: 'its tests pass on main now' }] });
  });

  it('duplicates: only files in the role\'s scope and the source\'s files are searched, and at most maxTasks tasks are made', async () => {
    const text = FRAME.join('\n');
    await files({ 'src/a.js': text, 'src/b.js': text, 'docs/c.js': text, 'test/d.js': text });
    const output = await duplicates({ kind: 'duplicates', everyMerges: 10, minLines: 6, files: ['src/**', 'docs/**', 'vendor/**'], maxTasks: 5 }, input({ role: role({ avoid: ['docs/**'] }) }));
    expect(output.tasks).toEqual([{
      text: `Consolidate duplicated code: the same 7 lines appear in 2 places on main (commit ${HEAD.slice(0, 12)}):\n\n- src/a.js:1-7\n- src/b.js:1-7\n\nKeep one implementation and make every other place use it, without changing behaviour.`,
      files: ['src/a.js', 'src/b.js'],
      subject: expect.stringMatching(/^duplicate [0-9a-f]{16}$/),
    }]);
    const none = await duplicates({ kind: 'duplicates', everyMerges: 10, minLines: 6, files: ['src/**'], maxTasks: 5 }, input({ role: role({ owns: ['test/**'] }) }));
    expect(none.tasks).toEqual([]);
  });

  it('stale-docs: a document naming a changed file by path, name or distinctive stem gets a task; one naming only `index` or nothing does not', async () => {
    await files({
      'docs/gate.md': 'The gate lives in harness/gate/merge-gate.ts.',
      'docs/batch.md': 'Batches are cut by batch-size, see there.',
      'README.md': 'Start at index and main.',
      'docs/open.md': 'merge-gate again.',
    });
    const commits = [commit(['harness/gate/merge-gate.ts', 'harness/gate/batch-size.ts', 'harness/index.ts', 'docs/gate.md'], 't1')];
    const output = await staleDocs({ kind: 'stale-docs', everyMerges: 1, docs: ['**/*.md'] }, input({ commits, tasks: async () => [record(`stale-docs docs/open.md ${'b'.repeat(12)}`, 'waiting', 'stale-docs')] }));
    expect(output.tasks.map((t) => [t.files[0], t.subject])).toEqual([
      ['docs/batch.md', `stale-docs docs/batch.md ${HEAD.slice(0, 12)}`],
      ['docs/gate.md', `stale-docs docs/gate.md ${HEAD.slice(0, 12)}`],
    ]);
    expect(output.tasks[1]?.text).toMatch(/^docs\/gate\.md names code that changed on main .*: harness\/gate\/merge-gate\.ts\.\n\nThe merges that changed it:\n- c{12} \(task t1\): harness\/gate\/merge-gate\.ts/);
    expect((await staleDocs({ kind: 'stale-docs', everyMerges: 1, docs: ['**/*.md'] }, input())).tasks).toEqual([]);
  });

  it('review: without a command one task names the merges; with one, each file:line: message it prints is a task, given the changed files', async () => {
    const commits = [commit(['src/a.js'], 't1'), commit(['src/b.js', 'src/c.js'], 't2')];
    const one = await review({ kind: 'review', everyMerges: 2 }, input({ commits }));
    expect(one.tasks).toHaveLength(1);
    expect(one.tasks[0]).toMatchObject({ files: ['src/a.js', 'src/b.js', 'src/c.js'], subject: `review ${HEAD.slice(0, 12)}` });
    expect(one.tasks[0]?.text).toMatch(/^Review the last 2 merges on main[\s\S]*\(task t1\): src\/a\.js\n- c{12} \(task t2\): src\/b\.js, src\/c\.js/);
    let seen: Record<string, string> | undefined;
    const runOnMain = async (_command: string, env?: Record<string, string>): Promise<CommandOutcome> => {
      seen = env;
      return { exitCode: 1, timedOut: false, output: 'linting...\nsrc/a.js:12:5: unused variable x\nsrc/b.js:3: missing await\nsummary: 2 problems\n' };
    };
    const found = await review({ kind: 'review', everyMerges: 2, command: 'lint' }, input({ commits, runOnMain }));
    expect(seen).toEqual({ GANTRY_REVIEW_FILES: 'src/a.js\nsrc/b.js\nsrc/c.js' });
    expect(found.tasks.map((t) => [t.files, t.subject])).toEqual([[['src/a.js'], 'review src/a.js: unused variable x'], [['src/b.js'], 'review src/b.js: missing await']]);
    expect((await review({ kind: 'review', everyMerges: 2 }, input())).tasks).toEqual([]);
  });

  it('benchmark: the first run keeps the numbers; a later one makes a task per number grown past the threshold, and keeps the new numbers', async () => {
    const source = { kind: 'benchmark' as const, everyMerges: 1, command: 'sh bench.sh', threshold: 0.1 };
    const measuring = (line: string) => async (): Promise<CommandOutcome> => ({ exitCode: 0, timedOut: false, output: `warming up\n{"not": "numbers"}\n${line}\n` });
    const first = await benchmark(source, input({ runOnMain: measuring('{"parse_ms": 100, "render_ms": 50}') }));
    expect(first).toEqual({ tasks: [], memo: { parse_ms: 100, render_ms: 50 } });
    const commits = [commit(['src/parse.js'], 't9')];
    const second = await benchmark(source, input({ commits, memo: first.memo, runOnMain: measuring('{"parse_ms": 130, "render_ms": 54}') }));
    expect(second.memo).toEqual({ parse_ms: 130, render_ms: 54 });
    expect(second.tasks).toEqual([{ text: expect.stringMatching(/^The benchmark's parse_ms regressed on main: 100 → 130 \(\+30 %, more than the 10 % allowed\)/), files: ['src/parse.js'], subject: `benchmark parse_ms ${HEAD.slice(0, 12)}` }]);
    await expect(benchmark(source, input({ runOnMain: measuring('done') }))).rejects.toThrow(/\/roles\/r\.yaml source\.command: `sh bench\.sh` printed no line that is a JSON object of numbers/);
  });
});
