// Oracle bisection (issue 7): find the units whose candidate build makes a mix fail.
export { findCulprits } from './find-culprits.ts';
export { RedisProbeCache } from './redis-probe-cache.ts';
export { probeKey } from './probe-key.ts';
export { OracleError } from './oracle-error.ts';
export type { BisectOptions, BisectResult, Probe, ProbeCache, ProbeEvent, Verdict } from './types.ts';
// Running it on a repository: config `oracle:` (harness/config), probes in containers, tasks per culprit, report, trigger after merges.
export { checkOracle, runOracle, requireOracle, ORACLE_PROBE_LABEL } from './oracle-run.ts';
export type { OracleCheckOutcome, OracleDeps, OracleRunOptions, OracleRunOutcome } from './oracle-run.ts';
export { OracleWatch, type OracleWatchDeps } from './oracle-watch.ts';
export { oracleReports, renderOracleReport, type OracleReport } from './oracle-report.ts';
export { culpritBrief, culpritSubject, queueCulpritTasks, reproducerOf, ORACLE_SOURCE } from './culprit-tasks.ts';
export { describeMix, mixScript, type Mix } from './mix-script.ts';
export { probeCacheKey } from './run-key.ts';
