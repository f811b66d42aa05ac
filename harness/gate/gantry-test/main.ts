import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { hashSeed } from '../prng.ts';
import { chooseSample, selectionCommand, wholeFilesCommand, type Sample } from '../sample.ts';
import { changedFiles } from './changed-files.ts';
import { coverageFile, inputPaths, readBaseline, readSuite, type SuiteFile } from './inputs.ts';
import { parseOptions, USAGE, UsageError, type GantryTestOptions } from './options.ts';
import { readCoverage, recordCoverage } from './coverage.ts';
import { relatedTestFiles } from './related-files.ts';

const REASONS = ['recent-failure', 'changed-file', 'related', 'stratified'] as const;

/** `gantry-test` inside an agent container; returns the exit code. */
export function gantryTest(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  try {
    const options = parseOptions(argv);
    if (options.help) return print(USAGE, 0);
    const paths = inputPaths(env);
    const suite = readSuite(paths.suiteFile);
    const root = paths.workTree ?? suite.root ?? '/work';
    const results = env.GANTRY_RESULTS ?? join(root, '.gantry', 'results');
    if (!options.fast) {
      print(`gantry-test: the full suite (results: ${results})\n$ ${suite.command}`);
      return options.dryRun ? 0 : run(suite.command, root, env, results);
    }
    return fastRun(options, suite, root, paths.testsFile, env, results);
  } catch (error) {
    if (error instanceof UsageError) return print(`gantry-test: ${error.message}`, 2, 'stderr');
    throw error;
  }
}

function fastRun(options: GantryTestOptions, suite: SuiteFile, root: string, testsFile: string, env: NodeJS.ProcessEnv, results: string): number {
  if (suite.select === undefined) throw new UsageError('gate.select is not configured, so the suite cannot run a sample: run gantry-test without --fast, or set gate.select in gantry.yaml');
  const baseline = readBaseline(testsFile);
  const tests = baseline?.tests ?? [];
  const changed = changedFiles(root, suite.main ?? 'main');
  const seed = options.seed ?? defaultSeed(env);
  const coverage = coverageFile(root);
  const sample = chooseSample({
    tests,
    changedFiles: changed,
    recentFailures: [...tests.filter((test) => test.status === 'failed').map((test) => test.id), ...(suite.recentFailures ?? [])],
    related: relatedTestFiles(root, [...new Set(tests.map((test) => test.file))], changed),
    budget: options.budget ?? suite.fastBudget ?? 0.05,
    seed,
    covered: readCoverage(coverage),
  });
  const commands = [
    ...(sample.chosen.length > 0 ? [{ command: selectionCommand(suite.select, sample.chosen), results }] : []),
    ...(sample.newTestFiles.length > 0 ? [{ command: wholeFilesCommand(suite.select, sample.newTestFiles), results: `${results}-new-files` }] : []),
  ];
  print(describeSample(sample, tests.length, baseline === undefined ? testsFile : undefined));
  if (commands.length === 0) return print('gantry-test: nothing to run', 0);
  for (const { command, results: file } of commands) print(`$ ${command}  (results: ${file})`);
  if (options.dryRun) return 0;
  recordCoverage(coverage, sample.chosen.map((test) => test.id));
  let exitCode = 0;
  for (const { command, results: file } of commands) {
    const code = run(command, root, env, file);
    if (exitCode === 0) exitCode = code;
  }
  return exitCode;
}

/** Parallel agents of one task, and successive sessions, sample differently. */
function defaultSeed(env: NodeJS.ProcessEnv): number {
  return env.GANTRY_TASK_ID === undefined ? randomInt(0, 2 ** 32) : hashSeed(`${env.GANTRY_TASK_ID}#${env.GANTRY_SESSION ?? ''}`);
}

function describeSample(sample: Sample, total: number, missingBaseline: string | undefined): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const counts = REASONS.map((reason) => `${sample.chosen.filter((test) => test.reason === reason).length} ${reason}`).join(', ');
  const files = new Set(sample.chosen.map((test) => test.file)).size;
  return [
    `gantry-test --fast: seed ${sample.seed} (repeat with --seed ${sample.seed})`,
    ...(missingBaseline === undefined ? [] : [`no full-suite results from main yet (${missingBaseline}): only changed test files can run`]),
    `chose ${sample.chosen.length} of ${total} tests in ${files} files: ${counts}`,
    `estimated ${seconds(sample.estimatedMs)} against a budget of ${seconds(sample.budgetMs)}`,
    ...(sample.newTestFiles.length === 0 ? [] : [`new test files, run whole: ${sample.newTestFiles.join(', ')}`]),
    ...sample.chosen.map((test) => `  [${test.reason}] ${test.id}`),
  ].join('\n');
}

function run(command: string, root: string, env: NodeJS.ProcessEnv, results: string): number {
  mkdirSync(dirname(results), { recursive: true });
  const child = spawnSync('/bin/sh', ['-c', command], { cwd: root, stdio: 'inherit', env: { ...env, GANTRY_RESULTS: results } });
  if (child.error) throw new UsageError(`Could not start /bin/sh in ${root}: ${child.error.message}`);
  if (child.signal) return 128 + (constants.signals[child.signal] ?? 0);
  return child.status ?? 1;
}

function print(text: string, code = 0, stream: 'stdout' | 'stderr' = 'stdout'): number {
  process[stream].write(`${text}\n`);
  return code;
}
