import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { GantryConfig, OracleConfig } from '../config/types.ts';
import { ConfigError, messageOf } from '../errors.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { Logger } from '../log.ts';
import { withLock } from '../queue/lock.ts';
import type { TaskQueue } from '../queue/types.ts';
import type { OracleTaskRecord, OracleTrigger } from '../reports/events.ts';
import type { Journal } from '../reports/journal.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { LABEL } from '../runtime/labels.ts';
import { queueCulpritTasks } from './culprit-tasks.ts';
import { findCulprits } from './find-culprits.ts';
import { withMainTree, type MainTree } from './main-tree.ts';
import { mixProbe } from './mix-probe.ts';
import { listUnits } from './oracle-units.ts';
import { RedisProbeCache } from './redis-probe-cache.ts';
import { PROBE_CACHE_TTL_S, probeCacheKey } from './run-key.ts';
import { sanityProbes } from './sanity-probes.ts';

/**
 * `gantry oracle check` and `gantry oracle run`: on main's tree, list the
 * units and run the sanity probes; a run then bisects (every probe cached in
 * Redis under the config and main's commit, so a killed run resumes), queues
 * a task per culprit and journals it all. One oracle run at a time per queue
 * prefix: a Redis lock, under which leftovers of a killed run are removed.
 */

export interface OracleDeps {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: Pick<ControllerRepo, 'ensureClone' | 'syncMain' | 'exportTree'>;
  redis: Redis;
  queue: Pick<TaskQueue, 'add'>;
  /** The run's journal; its run id labels the probe containers. */
  journal: Journal;
  logger: Logger;
  signal?: AbortSignal;
}

export interface OracleRunOptions {
  trigger?: OracleTrigger;
  /** Main's commit to bisect; by default main as fetched from the upstream now. */
  commit?: string;
}

export interface OracleCheckOutcome {
  commit: string;
  units: string[];
  /** Builds of the sanity probes. */
  checkBuilds: number;
}

export interface OracleRunOutcome extends OracleCheckOutcome {
  oracle: string;
  culprits: string[][];
  /** Builds of the bisection (cached probes are not builds). */
  builds: number;
  probes: number;
  rounds: number;
  durationMs: number;
  tasks: OracleTaskRecord[];
}

/** Containers of oracle runs carry this `gantry.task` label; the watch's check runs have their own. */
export const ORACLE_PROBE_LABEL = 'oracle';
/** The candidate units of a probe are journaled up to this many; a larger set only by its size. */
const JOURNALED_SET_LIMIT = 64;

export async function checkOracle(deps: OracleDeps, options: OracleRunOptions = {}): Promise<OracleCheckOutcome> {
  return withPreparedMain(deps, options, async ({ main, oracle, units, signal }) => {
    const sanity = await sanityProbes({ oracle, runner: main.runner, units, commit: main.commit, signal });
    return { commit: main.commit, units, checkBuilds: sanity.builds };
  });
}

export async function runOracle(deps: OracleDeps, options: OracleRunOptions = {}): Promise<OracleRunOutcome> {
  const { config, redis, journal, logger } = deps;
  return withPreparedMain(deps, options, async ({ main, oracle, units, signal }) => {
    const id = randomBytes(4).toString('hex');
    const { commit } = main;
    await journal.append({ type: 'oracle.started', oracle: id, commit, units: units.length, parallel: oracle.parallel, trigger: options.trigger ?? 'manual' });
    try {
      const sanity = await sanityProbes({ oracle, runner: main.runner, units, commit, signal });
      const cacheKey = probeCacheKey(config.queue.prefix, oracle, commit, units);
      await redis.expire(cacheKey, PROBE_CACHE_TTL_S);
      const result = await findCulprits({
        units,
        probe: mixProbe({ oracle, runner: main.runner, units, ...(sanity.expected === undefined ? {} : { expected: sanity.expected }) }),
        parallel: oracle.parallel,
        confirm: oracle.confirm,
        cache: new RedisProbeCache(redis, cacheKey),
        signal,
        onProbe: (event) => {
          const set = event.set.length <= JOURNALED_SET_LIMIT ? { set: [...event.set] } : {};
          journal.append({ type: 'oracle.probe', oracle: id, size: event.set.length, ...set, verdict: event.verdict, cached: event.cached, round: event.round })
            .catch((error: unknown) => logger.warn({ err: messageOf(error) }, 'could not journal an oracle probe'));
        },
      });
      await redis.expire(cacheKey, PROBE_CACHE_TTL_S);
      const tasks = await queueCulpritTasks({
        oracle, units, commit, culprits: result.culprits, queue: deps.queue,
        ...(sanity.expected === undefined ? {} : { expected: sanity.expected }),
      });
      const outcome: OracleRunOutcome = {
        oracle: id, commit, units, checkBuilds: sanity.builds, culprits: result.culprits,
        builds: result.builds, probes: result.probes, rounds: result.rounds, durationMs: result.durationMs, tasks,
      };
      await journal.append({
        type: 'oracle.done', oracle: id, commit, culprits: outcome.culprits, builds: outcome.builds, checkBuilds: outcome.checkBuilds,
        probes: outcome.probes, rounds: outcome.rounds, durationMs: outcome.durationMs, tasks,
      });
      logger.info({ oracle: id, commit, culprits: result.culprits.length, builds: result.builds, rounds: result.rounds }, 'oracle bisection done');
      return outcome;
    } catch (error) {
      await journal.append({ type: 'oracle.failed', oracle: id, commit, reason: messageOf(error) }).catch(() => undefined);
      throw error;
    }
  });
}

interface PreparedMain {
  main: MainTree;
  oracle: OracleConfig;
  units: string[];
  /** Aborted when the caller stops the run or the oracle lock is lost. */
  signal: AbortSignal;
}

/** Under the oracle lock: leftovers removed, main exported, its units listed. */
async function withPreparedMain<T>(deps: OracleDeps, options: OracleRunOptions, use: (prepared: PreparedMain) => Promise<T>): Promise<T> {
  const { config, runtime, repo, redis, journal } = deps;
  const oracle = requireOracle(config);
  const lockKey = `${config.queue.prefix}:lock:oracle`;
  return withLock(redis, lockKey, { ttlMs: config.queue.leaseMs, waitMs: 3 * config.queue.leaseMs }, async (lockLost) => {
    const signal = deps.signal ? AbortSignal.any([deps.signal, lockLost]) : lockLost;
    await runtime.removeAll({ [LABEL.managed]: 'true', [LABEL.run]: journal.run, [LABEL.task]: ORACLE_PROBE_LABEL, [LABEL.purpose]: 'oracle' });
    await repo.ensureClone();
    const commit = options.commit ?? (await repo.syncMain());
    const treeDeps = { config: { container: config.container, oracle }, runtime, repo, run: journal.run, label: ORACLE_PROBE_LABEL, dir: join(config.stateDir, 'oracle') };
    return withMainTree(treeDeps, commit, async (main) => {
      const units = await listUnits({ oracle, tree: main.tree, runner: main.runner, commit });
      return use({ main, oracle, units, signal });
    });
  });
}

export function requireOracle(config: GantryConfig): OracleConfig {
  if (config.oracle) return config.oracle;
  throw new ConfigError([`${config.file}: oracle: required for oracle bisection: add an \`oracle:\` section (units, build, judge; see docs/oracle.md)`]);
}
