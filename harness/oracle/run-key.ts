import { createHash } from 'node:crypto';
import type { OracleConfig } from '../config/types.ts';

/**
 * The Redis hash that caches the probes of one bisection problem: main's
 * commit, the units, and everything in the config that can change a verdict
 * (build, judge, image, environment, time limits). A killed run started again
 * on the same main finds its verdicts there; a changed build or a new main
 * starts afresh. How many probes run at once, the task role and the check do
 * not change a verdict, so they are left out.
 */
export function probeCacheKey(prefix: string, oracle: OracleConfig, commit: string, units: readonly string[]): string {
  const { build, judge, image, env, timeouts } = oracle;
  const identity = JSON.stringify({ commit, units, build, judge, image, env: Object.entries(env).sort(), timeouts });
  return `${prefix}:oracle:probes:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

/** Verdicts of an old main are worth keeping a while (a revert brings it back), not forever. */
export const PROBE_CACHE_TTL_S = 7 * 24 * 3600;
