import { GateError } from '../../errors.ts';
import type { ResultFormat } from './types.ts';

/**
 * A results file the gate cannot read. Never retryable: the same file reads the
 * same way again, and an unreadable report must never pass as "no tests".
 */
export function malformed(format: ResultFormat, problem: string, cause?: unknown): GateError {
  return new GateError(
    'GATE_FAILED',
    `Cannot read ${format} test results: ${problem}. Check that gate.format matches what the test command writes to $GANTRY_RESULTS (see ci/README.md)`,
    { retryable: false, cause, data: { format } },
  );
}
