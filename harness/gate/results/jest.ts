import { parseJestShaped } from './jest-shaped.ts';
import type { AssertionReading, JestAssertion } from './jest-shaped.ts';
import type { SuiteRun } from './types.ts';

// jest's statuses (@jest/types Status). "pending" is `.skip`/`xit`;
// "disabled" is a test left out by `.only` elsewhere in the file. Only the
// legacy jasmine runner reports "focused"; jest-circus (the default) does not
// say which test was focused, so there `focused` stays unset.
const STATUSES: Record<string, AssertionReading['status']> = {
  passed: 'passed',
  failed: 'failed',
  pending: 'skipped',
  skipped: 'skipped',
  disabled: 'skipped',
  todo: 'todo',
};

function read(assertion: JestAssertion): AssertionReading | undefined {
  if (assertion.status === 'focused') {
    return { status: (assertion.failureMessages ?? []).length > 0 ? 'failed' : 'passed', focused: true };
  }
  const status = STATUSES[assertion.status];
  return status === undefined ? undefined : { status };
}

/** `jest --json --outputFile=…` */
export function parseJest(text: string, root: string): SuiteRun {
  return parseJestShaped('jest', text, root, read);
}
