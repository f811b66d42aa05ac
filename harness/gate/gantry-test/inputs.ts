import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteRun } from '../results/types.ts';
import { UsageError } from './options.ts';

/** `/gantry/suite.json`: the gate's suite definition, as the harness mounts it. */
export interface SuiteFile {
  command: string;
  select?: string;
  format?: string;
  fastBudget?: number;
  root?: string;
  /** Branch the work tree was made from. */
  main?: string;
  /** Test ids that failed in earlier attempts at this task. */
  recentFailures?: string[];
}

/** Where the inputs are; the environment overrides let the script run outside a container. */
export interface InputPaths {
  suiteFile: string;
  testsFile: string;
  workTree: string | undefined;
}

export function inputPaths(env: NodeJS.ProcessEnv): InputPaths {
  return {
    suiteFile: env.GANTRY_SUITE_FILE ?? '/gantry/suite.json',
    testsFile: env.GANTRY_TESTS_FILE ?? '/gantry/tests.json',
    workTree: env.GANTRY_WORK_TREE,
  };
}

export function readSuite(file: string): SuiteFile {
  if (!existsSync(file)) throw new UsageError(`No suite definition at ${file}: run gantry-test inside a gantry session, or point GANTRY_SUITE_FILE at one`);
  const suite = readJson(file) as Partial<SuiteFile>;
  if (typeof suite.command !== 'string' || suite.command === '') throw new UsageError(`${file} has no "command": the harness writes it from gate.command`);
  return suite as SuiteFile;
}

/** Main's last full run; absent before main's first gate run. */
export function readBaseline(file: string): SuiteRun | undefined {
  return existsSync(file) ? (readJson(file) as SuiteRun) : undefined;
}

export function coverageFile(workTree: string): string {
  return join(workTree, '.gantry', 'coverage.json');
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read ${file} as JSON: ${(error as Error).message}`);
  }
}
