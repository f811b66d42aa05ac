import { GantryError, type ErrorCode } from '../errors.ts';

/**
 * What the gate decided for one merge request. It travels through Redis as a
 * BullMQ job's return value, so an error goes as plain data and becomes a
 * GantryError again on the submitter's side.
 */
export type MergeOutcome =
  | { merged: true; commit: string }
  | { merged: false; error: { code: ErrorCode; message: string; retryable: boolean; data: Record<string, unknown> } };

export function mergedOutcome(commit: string): MergeOutcome {
  return { merged: true, commit };
}

export function refusedOutcome(error: GantryError): MergeOutcome {
  return { merged: false, error: { code: error.code, message: error.message, retryable: error.retryable, data: error.data } };
}

/** The merge commit, or throws the gate's refusal as a GantryError. */
export function commitOf(outcome: MergeOutcome): string {
  if (outcome.merged) return outcome.commit;
  const { code, message, retryable, data } = outcome.error;
  throw new GantryError(code, message, { retryable, data });
}
