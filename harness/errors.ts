/**
 * One error type for the whole harness. Callers branch on `code`, never on
 * `instanceof`; `retryable` tells a queue processor whether another attempt
 * can help. Messages say what happened, where, and what to do about it.
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'REDIS_UNAVAILABLE'
  | 'REDIS_NOT_DURABLE'
  | 'DOCKER_UNAVAILABLE'
  | 'IMAGE_MISSING'
  | 'CONTAINER_FAILED'
  | 'GIT_FAILED'
  | 'REPO_UNREACHABLE'
  | 'UNSAFE_WORKSPACE'
  | 'MERGE_CONFLICT'
  | 'MERGE_RACE'
  | 'STALE_LEASE'
  | 'LOCK_BUSY'
  | 'GATE_FAILED'
  | 'TESTS_CHANGED'
  | 'OUT_OF_SCOPE'
  | 'WORK_TREE_LIMIT'
  | 'BRANCH_REFUSED'
  | 'AGENT_FAILED'
  | 'PROVIDER_BLOCKED'
  | 'DISK_FULL'
  | 'SUBJECT_BUSY'
  | 'FILES_BUSY'
  | 'SOURCE_FAILED'
  | 'BUDGET_REACHED'
  | 'TASK_INVALID'
  | 'RUN_NOT_FOUND'
  | 'ILLEGAL_STATE'
  | 'SHUTDOWN_TIMEOUT'
  | 'BUILD_FAILED'
  | 'ORACLE_INVALID'
  | 'ORACLE_BASELINE_FAILS'
  | 'ORACLE_UNSTABLE'
  | 'ORACLE_CHECK_FAILED';

export interface GantryErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  data?: Record<string, unknown>;
}

export class GantryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GantryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.data = options.data ?? {};
  }
}

export class ConfigError extends GantryError {
  /** Every problem found, each already formatted as `file:line path: message`. */
  readonly issues: readonly string[];

  constructor(issues: readonly string[], code: ErrorCode = 'CONFIG_INVALID') {
    super(code, issues.join('\n'), { data: { issues } });
    this.issues = issues;
  }
}

export class ContainerError extends GantryError {}
export class GitError extends GantryError {}
export class GateError extends GantryError {}
export class AgentError extends GantryError {}
export class QueueError extends GantryError {}
export class ShutdownTimeoutError extends GantryError {
  constructor(message: string) {
    super('SHUTDOWN_TIMEOUT', message);
  }
}

export function isGantryError(error: unknown): error is GantryError {
  return error instanceof Error && typeof (error as Partial<GantryError>).code === 'string' && 'retryable' in error;
}

/** The message of anything thrown, for logs and reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
