/**
 * Runs the generated project's tests with the repository's own vitest, as
 * the gate and `gantry-test` do: through `/bin/sh -c`, with the JSON report
 * read back by the gate's own parser.
 */
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { parseResults, type SuiteRun } from '../harness/gate/results/index.ts';
import { selectionCommand, wholeFilesCommand } from '../harness/gate/sample.ts';

const VITEST = resolve(import.meta.dirname, '../node_modules/.bin/vitest');
/**
 * Threads start faster than forked processes, and the generated modules hold
 * no state, so files need no isolation: start-up is most of a small run. Two
 * workers, whatever the machine, so the times compare across machines.
 */
const FULL = `${VITEST} run --pool=threads --no-isolate --maxWorkers=2 --reporter=json --outputFile=$OUT`;
/** The full generated suite runs in seconds; past this, a run hangs. */
const RUN_TIMEOUT_MS = 60_000;
export const SELECT_TEMPLATE = `${FULL} {files} -t {pattern}`;

export interface TimedRun {
  run: SuiteRun;
  wallMs: number;
  /** Sum of the tests' own durations: the run's time without start-up. */
  testMs: number;
}

export type Selection = { kind: 'full' } | { kind: 'files'; files: readonly string[] } | { kind: 'tests'; chosen: ReadonlyArray<{ file: string; title: string }> } | { kind: 'none'; file: string };

export function commandFor(selection: Selection): string {
  switch (selection.kind) {
    case 'full':
      return FULL;
    case 'files':
      return wholeFilesCommand(SELECT_TEMPLATE, selection.files);
    case 'tests':
      return selectionCommand(SELECT_TEMPLATE, selection.chosen);
    case 'none':
      // Loads one file and runs none of its tests: vitest's start-up alone.
      return `${FULL} '${selection.file}' -t '^$'`;
  }
}

/** Runs `selection` in `root`; the report goes to `out` and is removed once read. */
export async function runVitest(root: string, selection: Selection, out: string): Promise<TimedRun> {
  const start = performance.now();
  // `exec`: the timeout then ends vitest itself, not just the shell around it.
  const child = await execa('/bin/sh', ['-c', `exec ${commandFor(selection)}`], { cwd: root, env: { OUT: out, CI: 'true' }, reject: false, timeout: RUN_TIMEOUT_MS });
  if (child.timedOut) throw new Error(`vitest ran past ${RUN_TIMEOUT_MS} ms in ${root}: a mutation loops forever? (${commandFor(selection).slice(0, 200)})`);
  const wallMs = performance.now() - start;
  let text: string;
  try {
    text = await readFile(out, 'utf8');
  } catch {
    throw new Error(`vitest wrote no report in ${root} (exit ${child.exitCode}): ${child.stderr.slice(-2000)}`);
  }
  await rm(out, { force: true });
  const run = parseResults('vitest', text, { root });
  const testMs = run.tests.reduce((sum, test) => sum + (test.durationMs ?? 0), 0);
  return { run, wallMs, testMs };
}

export function failedIds(run: SuiteRun): Set<string> {
  return new Set(run.tests.filter((test) => test.status === 'failed').map((test) => test.id));
}
