/**
 * Fast-sample selection: which tests `gantry-test --fast` runs. Pure and
 * seeded; dependency-free because it is bundled into the in-container
 * `gantry-test` script (see build-agent-tools.ts).
 */
import { mulberry32 } from './prng.ts';
import type { TestCase } from './results/types.ts';
import { shellQuote } from './shell-quote.ts';
import { isTestFile, testFilesFor } from './test-files.ts';

export type SampleReason = 'recent-failure' | 'changed-file' | 'related' | 'stratified';

export interface SampleInput {
  /** Last full-suite results on main, with durations. */
  tests: readonly TestCase[];
  /** Files the branch changed or added, repository-relative. */
  changedFiles: readonly string[];
  /** Ids of tests that failed recently on main or in this task. */
  recentFailures: readonly string[];
  /** Test files related by imports to the changed files. */
  related?: readonly string[];
  /** Share of the whole suite's time, e.g. 0.05. */
  budget: number;
  seed: number;
  /** How often each test id was already sampled: the least covered go first. */
  covered?: Readonly<Record<string, number>>;
}

export interface ChosenTest {
  id: string;
  file: string;
  title: string;
  reason: SampleReason;
}

export interface Sample {
  seed: number;
  chosen: ChosenTest[];
  /** Changed or added test files the last full run does not know: they run whole. */
  newTestFiles: string[];
  budgetMs: number;
  estimatedMs: number;
}

interface Candidate {
  test: TestCase;
  costMs: number;
  covered: number;
  /** Seeded tie-breaker: different seeds order equally covered tests differently. */
  key: number;
}

/**
 * Priority groups (recent failures, tests in changed test files or test files
 * named after changed sources, related files) are always chosen, even past the
 * budget; the rest of the budget goes to a stratified sample: first one test
 * per file, then any test, least covered first, ties broken by the seed.
 */
export function chooseSample(input: SampleInput): Sample {
  const seed = input.seed >>> 0;
  const costOf = costModel(input.tests);
  const budgetMs = input.budget * input.tests.reduce((sum, test) => sum + costOf(test), 0);
  const chosen: ChosenTest[] = [];
  const taken = new Set<string>();
  let estimatedMs = 0;
  const take = (test: TestCase, reason: SampleReason): void => {
    if (taken.has(test.id)) return;
    taken.add(test.id);
    chosen.push({ id: test.id, file: test.file, title: test.title, reason });
    estimatedMs += costOf(test);
  };

  const byId = new Map(input.tests.map((test) => [test.id, test]));
  for (const id of input.recentFailures) take(byId.get(id) ?? testFromId(id), 'recent-failure');

  const suiteFiles = [...new Set(input.tests.map((test) => test.file))];
  const changedTestFiles = new Set(input.changedFiles.flatMap((file) => testFilesFor(file, suiteFiles)));
  const related = new Set(input.related ?? []);
  for (const test of input.tests) if (changedTestFiles.has(test.file)) take(test, 'changed-file');
  for (const test of input.tests) if (related.has(test.file)) take(test, 'related');

  const random = mulberry32(seed);
  const candidates: Candidate[] = input.tests
    .filter((test) => !taken.has(test.id) && (test.status === 'passed' || test.status === 'failed'))
    .sort((a, b) => compareText(a.id, b.id))
    .map((test) => ({ test, costMs: costOf(test), covered: input.covered?.[test.id] ?? 0, key: random() }))
    .sort((a, b) => a.covered - b.covered || a.key - b.key);
  let leftMs = budgetMs - estimatedMs;
  const fill = (pool: readonly Candidate[]): void => {
    for (const candidate of pool) {
      if (taken.has(candidate.test.id) || candidate.costMs > leftMs) continue;
      take(candidate.test, 'stratified');
      leftMs -= candidate.costMs;
    }
  };
  fill(firstOfEachFile(candidates));
  fill(candidates);

  const newTestFiles = input.changedFiles.filter((file) => isTestFile(file) && !suiteFiles.includes(file));
  return { seed, chosen, newTestFiles, budgetMs, estimatedMs };
}

/**
 * The command that runs just `chosen`: `{files}` becomes the shell-quoted
 * files, `{pattern}` a shell-quoted regular expression of the titles. Runners
 * match the pattern against the full name (describe blocks and title joined
 * by spaces), so it is anchored at the end and allows any describe prefix.
 */
export function selectionCommand(template: string, chosen: ReadonlyArray<{ file: string; title: string }>): string {
  const titles = [...new Set(chosen.map((test) => escapeRegExp(test.title)))];
  return fillTemplate(template, chosen.map((test) => test.file), `^(?:.* )?(?:${titles.join('|')})$`);
}

/** The command that runs every test in `files` (new test files the last full run does not know). */
export function wholeFilesCommand(template: string, files: readonly string[]): string {
  return fillTemplate(template, files, '.*');
}

function fillTemplate(template: string, files: readonly string[], pattern: string): string {
  const quotedFiles = [...new Set(files)].map(shellQuote).join(' ');
  // Replacer functions: a `$` in a title must not act as a replacement pattern.
  return template.replaceAll('{files}', () => quotedFiles).replaceAll('{pattern}', () => shellQuote(pattern));
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** Tests without a duration cost the mean of the known ones; every test costs at least 1 ms. */
function costModel(tests: readonly TestCase[]): (test: TestCase) => number {
  const known = tests.flatMap((test) => (test.durationMs === undefined ? [] : [test.durationMs]));
  const fallback = known.length === 0 ? 1 : known.reduce((sum, ms) => sum + ms, 0) / known.length;
  return (test) => Math.max(1, test.durationMs ?? fallback);
}

function firstOfEachFile(candidates: readonly Candidate[]): Candidate[] {
  const firsts = new Map<string, Candidate>();
  for (const candidate of candidates) if (!firsts.has(candidate.test.file)) firsts.set(candidate.test.file, candidate);
  return [...firsts.values()];
}

/** A failure the last full run does not know (a test new in this task): its id still names file and title. */
function testFromId(id: string): TestCase {
  const parts = id.split(' > ');
  return { id, file: parts[0] ?? id, path: parts.slice(1, -1), title: parts.at(-1) ?? id, status: 'failed' };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
