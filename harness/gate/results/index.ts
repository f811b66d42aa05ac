// Per-test results from any runner:
//   const run = parseResults('vitest', await readFile(resultsFile, 'utf8'), { root: '/work' });
//   run.tests.filter((test) => test.status === 'failed').map((test) => test.id);
export { parseResults } from './parse.ts';
export type { ParseOptions } from './parse.ts';
export { RESULT_FORMATS, testId } from './types.ts';
export type { ResultFormat, SuiteRun, TestCase, TestStatus } from './types.ts';
export { gantryResultsSchema } from './gantry-json.ts';
export { GANTRY_SCHEMA_FILE, gantrySchemaText } from './gantry-schema.ts';
export { FILE_FAILED_TITLE } from './jest-shaped.ts';
export { JUNIT_UNKNOWN_FILE } from './junit.ts';
export { NODE_TEST_UNKNOWN_FILE } from './node-test.ts';
export { TAP_UNKNOWN_FILE } from './tap.ts';
