import type { SuiteRun, TestCase, TestStatus } from './results/types.ts';

/**
 * The ratchet: a branch may not make main's test results worse. Every test
 * that passes on main must still pass; a test the branch adds must pass; no
 * test may be focused. Tests already failing or skipped on main are not the
 * branch's fault, and quarantined (known flaky) tests never count.
 */

export type ProblemKind = 'failed' | 'skipped' | 'todo' | 'focused' | 'missing' | 'new-failing';

export interface Problem {
  id: string;
  kind: ProblemKind;
  /** One line, in plain words, for the rejected branch's brief. */
  message: string;
}

export interface Verdict {
  passed: boolean;
  problems: Problem[];
  /** Problems of quarantined tests: reported, never a reason to reject. */
  excused: Problem[];
}

export interface JudgeOptions {
  /** Test ids whose results are ignored (see FlakeStore.quarantined). */
  quarantined: ReadonlySet<string>;
}

/** Focused first: it explains the skipped tests that usually come with it. */
const KIND_ORDER: readonly ProblemKind[] = ['focused', 'failed', 'new-failing', 'skipped', 'todo', 'missing'];
const DETAIL_CHARS = 200;

/** What became of a test that passed on main, by its status here. */
const NOW: Record<Exclude<TestStatus, 'passed'>, (test: TestCase) => string> = {
  failed: (test) => `fails here${detail(test)}`,
  skipped: () => 'is skipped here: remove the .skip',
  todo: () => 'is marked todo here: restore the test',
};

/** Judges `candidate` against `baseline` (main's run); without a baseline only new failures and focus count. */
export function judge(baseline: SuiteRun | undefined, candidate: SuiteRun, options: JudgeOptions): Verdict {
  const before = baseline === undefined ? undefined : indexById(baseline.tests);
  const after = indexById(candidate.tests);
  const found: Problem[] = [];

  for (const test of after.values()) {
    if (test.focused) found.push(problem(test.id, 'focused', `${quote(test.id)} is focused with .only, which keeps the other tests from running: remove the .only`));
    const onMain = before?.get(test.id);
    if (onMain === undefined) {
      if (test.status === 'failed') found.push(problem(test.id, 'new-failing', `${quote(test.id)} is new and fails${detail(test)}`));
    } else if (onMain.status === 'passed' && test.status !== 'passed') {
      found.push(problem(test.id, test.status, `${quote(test.id)} passed on main and ${NOW[test.status](test)}`));
    }
  }
  for (const test of before?.values() ?? []) {
    if (test.status === 'passed' && !after.has(test.id)) {
      found.push(problem(test.id, 'missing', `${quote(test.id)} passed on main and did not run here (deleted, renamed, or its file failed to load)`));
    }
  }

  found.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
  const problems = found.filter((p) => !options.quarantined.has(p.id));
  const excused = found.filter((p) => options.quarantined.has(p.id));
  return { passed: problems.length === 0, problems, excused };
}

/** The problems as lines for a brief, at most `limit` of them. */
export function renderProblems(problems: readonly Problem[], limit = 50): string {
  const lines = problems.slice(0, limit).map((p) => p.message);
  const rest = problems.length - lines.length;
  if (rest > 0) lines.push(`and ${rest} more`);
  return lines.join('\n');
}

/**
 * One entry per id. A runner can report one id twice (`it.each` with a
 * fixed title); the worst outcome stands, so one failing copy is a failure
 * and focus on any copy counts.
 */
function indexById(tests: readonly TestCase[]): Map<string, TestCase> {
  const byId = new Map<string, TestCase>();
  for (const test of tests) {
    const seen = byId.get(test.id);
    if (seen === undefined) {
      byId.set(test.id, test);
      continue;
    }
    const worse = severity(test.status) > severity(seen.status) ? test : seen;
    byId.set(test.id, { ...worse, focused: Boolean(seen.focused || test.focused) });
  }
  return byId;
}

function severity(status: TestStatus): number {
  return { passed: 0, todo: 1, skipped: 2, failed: 3 }[status];
}

function problem(id: string, kind: ProblemKind, message: string): Problem {
  return { id, kind, message };
}

function quote(id: string): string {
  return `\`${id}\``;
}

/** ": <first line of the failure>", cut short: a brief line, not a stack trace. */
function detail(test: TestCase): string {
  const first = test.message?.split('\n').map((line) => line.trim()).find(Boolean);
  if (first === undefined) return '';
  return `: ${first.length > DETAIL_CHARS ? `${first.slice(0, DETAIL_CHARS - 1)}…` : first}`;
}
