import type { TestCase } from '../gate/results/index.ts';
import type { TaskRecord } from '../queue/types.ts';
import type { FailingTestsSource } from './source-schema.ts';
import { isOpen } from './source-text.ts';
import type { SourceOutput, TaskSourceRun } from './types.ts';

/**
 * One task per test failing on main, or one per file when more than
 * `perFile` fail in it (they usually share a cause). A task not yet started
 * whose tests all pass on main now is withdrawn. A test the gate's ratchet
 * keeps passing cannot fail on main again, so a subject once fixed stays
 * fixed and its task id (which never comes back) costs nothing.
 */

const TEST = 'failing-test ';
const FILE = 'failing-file ';
const SUITE = 'failing-suite';
const MESSAGE_LINES = 20;

export const failingTests: TaskSourceRun<FailingTestsSource> = async (source, input) => {
  const outcome = await input.suiteOnMain();
  const short = input.head.slice(0, 12);
  const open = (await input.tasks()).filter(isOpen);
  if (!outcome.results) {
    const passed = outcome.exitCode === 0;
    return {
      tasks: passed ? [] : [{ text: `Make the test suite pass on main: it fails (exit ${outcome.exitCode ?? 'none'}${outcome.timedOut ? ', timed out' : ''}) at commit ${short}.\n\nThe last lines it printed:\n\n${fenced(outcome.outputTail)}`, files: [], subject: SUITE }],
      withdraw: passed ? settled(open, () => true) : [],
    };
  }
  const failing = outcome.results.tests.filter((test) => test.status === 'failed');
  const byFile = new Map<string, TestCase[]>();
  for (const test of failing) byFile.set(test.file, [...(byFile.get(test.file) ?? []), test]);
  const fileTaskOpen = new Set(open.flatMap((record) => (record.task.subject?.startsWith(FILE) ? [record.task.subject.slice(FILE.length)] : [])));
  const output: SourceOutput = { tasks: [] };
  for (const [file, tests] of byFile) {
    if (tests.length > source.perFile) {
      output.tasks.push({ text: `Make the ${tests.length} failing tests in ${file} pass.\n\nThey fail on main (commit ${short}):\n\n${tests.map(describeFailure).join('\n\n')}`, files: [file], subject: `${FILE}${file}` });
    } else if (!fileTaskOpen.has(file)) {
      // A file task still open covers these tests: a task per test would be the same work twice.
      for (const test of tests) output.tasks.push({ text: `Make the failing test pass: ${test.id}\n\nIt fails on main (commit ${short}):\n\n${describeFailure(test)}`, files: [file], subject: `${TEST}${test.id}` });
    }
  }
  const failingIds = new Set(failing.map((test) => test.id));
  output.withdraw = settled(open, (subject) => {
    if (subject === SUITE) return failing.length === 0;
    if (subject.startsWith(TEST)) return !failingIds.has(subject.slice(TEST.length));
    if (subject.startsWith(FILE)) return !byFile.has(subject.slice(FILE.length));
    return false;
  });
  return output;
};

function describeFailure(test: TestCase): string {
  const message = (test.message ?? '(no message)').split('\n').slice(0, MESSAGE_LINES).join('\n');
  return `${test.id}\n${fenced(message)}`;
}

function fenced(text: string): string {
  return `\`\`\`\n${text.replaceAll('```', '` ` `')}\n\`\`\``;
}

/** Tasks of this source not yet started whose subject passes on main. */
function settled(open: readonly TaskRecord[], passes: (subject: string) => boolean): NonNullable<SourceOutput['withdraw']> {
  return open
    .filter((record) => record.state !== 'active' && record.task.source === 'failing-tests' && passes(record.task.subject ?? ''))
    .map((record) => ({ taskId: record.task.id, reason: 'its tests pass on main now' }));
}
