import { z } from 'zod';
import { repoRelative } from './files.ts';
import { readJson } from './json-text.ts';
import { malformed } from './malformed.ts';
import { failureSummary } from './message.ts';
import { testId } from './types.ts';
import type { ResultFormat, SuiteRun, TestCase, TestStatus } from './types.ts';

/** The part of jest's `--json` report that vitest's json reporter copies. */
const assertionSchema = z.object({
  ancestorTitles: z.array(z.string()),
  title: z.string(),
  status: z.string(),
  duration: z.number().nullish(),
  failureMessages: z.array(z.string()).nullish(),
});

const reportSchema = z.object({
  startTime: z.number().optional(),
  testResults: z.array(
    z.object({
      name: z.string(),
      startTime: z.number().optional(),
      endTime: z.number().optional(),
      message: z.string().nullish(),
      assertionResults: z.array(assertionSchema),
    }),
  ),
});

export type JestAssertion = z.infer<typeof assertionSchema>;

/** Each runner's reading of one assertion result: status, and focus where the runner tells. */
export interface AssertionReading {
  status: TestStatus;
  focused?: boolean;
}

/** The id of the synthetic test that stands for a file whose tests never ran (syntax error, bad import). */
export const FILE_FAILED_TITLE = '(file failed to load)';

export function parseJestShaped(
  format: ResultFormat,
  text: string,
  root: string,
  read: (assertion: JestAssertion) => AssertionReading | undefined,
): SuiteRun {
  const report = readJson(format, text, reportSchema);
  const tests: TestCase[] = [];
  for (const result of report.testResults) {
    const file = repoRelative(root, result.name);
    for (const assertion of result.assertionResults) {
      const reading = read(assertion);
      if (reading === undefined) {
        throw malformedStatus(format, assertion.status, file);
      }
      const message =
        reading.status === 'failed' ? failureSummary((assertion.failureMessages ?? []).join('\n')) : undefined;
      tests.push({
        id: testId(file, assertion.ancestorTitles, assertion.title),
        file,
        path: assertion.ancestorTitles,
        title: assertion.title,
        status: reading.status,
        ...(reading.focused === true ? { focused: true } : {}),
        ...(assertion.duration != null ? { durationMs: assertion.duration } : {}),
        ...(message !== undefined ? { message } : {}),
      });
    }
    // A file that fails before collecting tests reports no assertions at all;
    // without this entry its tests would silently vanish from the run.
    if (result.assertionResults.length === 0 && result.message) {
      tests.push({
        id: testId(file, [], FILE_FAILED_TITLE),
        file,
        path: [],
        title: FILE_FAILED_TITLE,
        status: 'failed',
        message: failureSummary(result.message) ?? result.message,
      });
    }
  }
  return { tests, durationMs: wallTime(report) };
}

function wallTime(report: z.infer<typeof reportSchema>): number {
  const ends = report.testResults.map((result) => result.endTime ?? 0);
  const start = report.startTime ?? Math.min(...report.testResults.map((result) => result.startTime ?? 0));
  const end = Math.max(0, ...ends);
  return end > start ? end - start : 0;
}

function malformedStatus(format: ResultFormat, status: string, file: string) {
  return malformed(format, `testResults[].assertionResults[].status "${status}" in ${file} is not a known status`);
}
