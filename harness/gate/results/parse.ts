import { parseGantryJson } from './gantry-json.ts';
import { parseJest } from './jest.ts';
import { parseJunit } from './junit.ts';
import { parseNodeTest } from './node-test.ts';
import { parseTap } from './tap.ts';
import type { ResultFormat, SuiteRun } from './types.ts';
import { parseVitest } from './vitest.ts';

export interface ParseOptions {
  /** The directory the suite ran in (e.g. `/work`); absolute file paths become relative to it. */
  root: string;
}

const ADAPTERS: Record<ResultFormat, (text: string, root: string) => SuiteRun> = {
  vitest: parseVitest,
  jest: parseJest,
  'node-test': parseNodeTest,
  junit: parseJunit,
  tap: parseTap,
  gantry: parseGantryJson,
};

/**
 * Reads a runner's results file into per-test results. Throws a GateError
 * (GATE_FAILED, not retryable) naming the format when the text cannot be read.
 */
export function parseResults(format: ResultFormat, text: string, options: ParseOptions): SuiteRun {
  return ADAPTERS[format](text, options.root);
}
