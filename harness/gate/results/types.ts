/**
 * Per-test results, whatever runner produced them. Every adapter turns its
 * runner's report into this shape; the ratchet, flake tracking and fast-sample
 * selection only ever see this.
 */

export type TestStatus = 'passed' | 'failed' | 'skipped' | 'todo';

export interface TestCase {
  /** `file > describe path > title`: stable across runs, the key of every comparison. */
  id: string;
  /** Repository-relative, `/`-separated. */
  file: string;
  /** Enclosing describe blocks, outermost first. */
  path: string[];
  title: string;
  status: TestStatus;
  /** The test (or a describe around it) is focused with `.only`. */
  focused?: boolean;
  durationMs?: number;
  /** First lines of the failure, for the rejected branch's brief. */
  message?: string;
}

export interface SuiteRun {
  tests: TestCase[];
  /** Wall time of the run as the runner reports it (or as measured). */
  durationMs: number;
}

export const RESULT_FORMATS = ['vitest', 'jest', 'node-test', 'junit', 'tap', 'gantry'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** The id of a test: `file > describe > ... > title`. */
export function testId(file: string, path: readonly string[], title: string): string {
  return [file, ...path, title].join(' > ');
}
