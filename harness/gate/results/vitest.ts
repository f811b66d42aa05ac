import { parseJestShaped } from './jest-shaped.ts';
import type { AssertionReading, JestAssertion } from './jest-shaped.ts';
import type { SuiteRun } from './types.ts';

const STATUSES: Record<string, AssertionReading['status']> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  // vitest reports "pending" for a test that never got a result (its
  // file was cut short); it did not pass, so it counts as skipped.
  pending: 'skipped',
  todo: 'todo',
};

// vitest's json reporter has no field for `.only`. Under CI=true (as the gate
// runs) vitest refuses `.only` and fails the focused test with this message,
// which is the one place the report reveals focus.
const ONLY_REFUSED = 'Unexpected .only modifier';

function read(assertion: JestAssertion): AssertionReading | undefined {
  const status = STATUSES[assertion.status];
  if (status === undefined) return undefined;
  const focused = (assertion.failureMessages ?? []).some((message) => message.includes(ONLY_REFUSED));
  return focused ? { status, focused } : { status };
}

/** `vitest run --reporter=json --outputFile=…` */
export function parseVitest(text: string, root: string): SuiteRun {
  return parseJestShaped('vitest', text, root, read);
}
