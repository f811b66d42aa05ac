import { isGantryError, type ErrorCode } from '../errors.ts';

/**
 * Exit codes, decided in one place. 2: the input or the environment is wrong
 * and a person must fix it (config, Redis settings, repository); 1: anything
 * else went wrong; 0: success.
 */
const USER_FIXABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'REDIS_NOT_DURABLE',
  'REPO_UNREACHABLE',
  'IMAGE_MISSING',
  'TASK_INVALID',
  'PROVIDER_BLOCKED',
  'DISK_FULL',
  'BUDGET_REACHED',
  'ORACLE_INVALID',
  'ORACLE_BASELINE_FAILS',
  'ORACLE_CHECK_FAILED',
]);

export function exitCodeFor(error: unknown): number {
  return isGantryError(error) && USER_FIXABLE.has(error.code) ? 2 : 1;
}
