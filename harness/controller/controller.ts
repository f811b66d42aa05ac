import type { Redis } from 'ioredis';
import { agentFor, ProviderGate } from '../agents/index.ts';
import { shareConfig, type GantryConfig } from '../config/index.ts';
import { GantryError, messageOf } from '../errors.ts';
import type { ControllerRepo } from '../git/types.ts';
import { BaselineStore, FlakeStore, MergeQueue } from '../gate/index.ts';
import type { Logger } from '../log.ts';
import { OracleWatch } from '../oracle/index.ts';
import { withDeadline } from '../queue/deadline.ts';
import { checkRedisDurability, Fence, FileLeases, ParkedTasks, startTaskWorker, TaskLedger, type TaskWorker } from '../queue/index.ts';
import type { TaskAttempt, TaskQueue } from '../queue/types.ts';
import { FileJournal, InboxJournal, journalPath, JournalRelay, type Journal } from '../reports/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { reapOrphans, reapOwn } from '../runtime/index.ts';
import { MemoryStore, withLeases } from '../memory/index.ts';
import { AgentApiHost, agentTokens } from '../server/index.ts';
import { TaskSources } from '../sources/index.ts';
import { ActiveBranches } from './active-branches.ts';
import { BudgetGuard } from './budget-guard.ts';
import { ControllerRegistry } from './controller-registry.ts';
import { IdleWatch, liftBlocks, NOTHING_IN_THE_WAY, type IdleOutcome } from './parked-work.ts';
import { DiskSpace } from './disk-space.ts';
import { currentRun } from './run-id.ts';
import { createTaskRunner } from './task-runner.ts';
import { takeOverTask } from './task-takeover.ts';

export type ControllerState = 'idle' | 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

const NEXT: Record<ControllerState, readonly ControllerState[]> = {
  idle: ['starting'],
  starting: ['running', 'failed', 'draining'],
  running: ['draining', 'failed'],
  draining: ['stopped', 'failed'],
  stopped: [],
  failed: ['draining'],
};

/**
 * How often a running controller removes the containers of controllers that
 * are gone (a killed one's outlive it); each is known dead one registry TTL
 * after its last heartbeat.
 */
const REAP_EVERY_MS = 30_000;
/**
 * How long a new attempt waits for a live controller's container still at
 * work on its task: a stopping controller's checkpoint takes at most 20 s,
 * and a killed one is known dead one registry TTL (15 s) after its last
 * heartbeat.
 */
const TAKEOVER_GRACE_MS = 25_000;

export interface ControllerDeps {
  /** This process's id (newControllerId): the registry's name for it, and the owner the runtime puts on every container. */
  id: string;
  config: GantryConfig;
  /** Must label each container with `id` as `gantry.owner` (DockerRuntimeOptions.owner), or another controller's reaper removes it. */
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  queue: TaskQueue;
  /** Commands (fences, locks, ledger); the worker opens its own blocking connection. */
  redis: Redis;
  logger: Logger;
  /**
   * `controller` (gantry run): gates branches, runs the task sources and the
   * oracle watch, shares its config and keeps the journal file.
   * `worker` (gantry worker, on another host): only runs tasks; its branches
   * reach the gate through the upstream and its events through Redis.
   * @defaultValue 'controller'
   */
  mode?: 'controller' | 'worker';
}

/**
 * The run's lifecycle: idle → starting → running → draining → stopped (or
 * failed). Each change is logged; an illegal one throws. `close()` is
 * idempotent: it stops taking tasks, lets sessions finish within the grace
 * period, then stops them and puts their tasks back for the next start.
 */
export class Controller {
  readonly id: string;
  readonly #deps: ControllerDeps;
  readonly #registry: ControllerRegistry;
  #reaping: NodeJS.Timeout | undefined;
  #reapingNow = false;
  #state: ControllerState = 'idle';
  #worker: TaskWorker | undefined;
  #merges: MergeQueue | undefined;
  #oracle: OracleWatch | undefined;
  #sources: TaskSources | undefined;
  #journal: Journal | undefined;
  #relay: JournalRelay | undefined;
  #idle: IdleWatch | undefined;
  #closing: Promise<void> | undefined;

  constructor(deps: ControllerDeps) {
    this.id = deps.id;
    this.#deps = deps;
    this.#registry = new ControllerRegistry(deps.redis, deps.config.queue.prefix, { logger: deps.logger });
  }

  get state(): ControllerState {
    return this.#state;
  }

  get run(): string | undefined {
    return this.#journal?.run;
  }

  get #isWorker(): boolean {
    return this.#deps.mode === 'worker';
  }

  #set(next: ControllerState): void {
    if (!NEXT[this.#state].includes(next)) {
      throw new GantryError('ILLEGAL_STATE', `controller cannot go from ${this.#state} to ${next}`);
    }
    this.#deps.logger.info({ from: this.#state, to: next }, 'controller state');
    this.#state = next;
  }

  async start(): Promise<void> {
    this.#set('starting');
    const { config, runtime, repo, redis, logger } = this.#deps;
    try {
      await checkRedisDurability(redis, config.redisUrl);
      await runtime.ping();
      for (const image of this.#images()) {
        if (!(await runtime.hasImage(image))) {
          throw new GantryError('IMAGE_MISSING', `image ${image} not found on this process's Docker engine: run images/build-offline.sh on its host (or \`docker save ${image} | docker -H <engine> load\`), or build it and set agent.image`);
        }
      }
      const run = await currentRun(redis, config.queue.prefix);
      const journal = this.#isWorker ? new InboxJournal(redis, config.queue.prefix, run) : new FileJournal(journalPath(config.stateDir, run), run);
      this.#journal = journal;
      if (!this.#isWorker) {
        await shareConfig(redis, config);
        this.#relay = new JournalRelay({ redis, prefix: config.queue.prefix, stateDir: config.stateDir, consumer: this.id, logger });
        await this.#relay.start();
      }
      await this.#registry.join(this.id);
      await this.#reapOrphans(run);
      this.#reaping = setInterval(() => void this.#reapOrphans(run), REAP_EVERY_MS);
      await repo.ensureClone();
      await repo.syncMain();
      const disk = new DiskSpace({ dir: config.stateDir, minFreeBytes: config.limits.minFreeDiskBytes, logger });
      const fence = new Fence(redis, config.queue.prefix);
      const ledger = new TaskLedger(redis, config.queue.prefix);
      const baselines = new BaselineStore(redis, config.queue.prefix);
      const merges = new MergeQueue({
        config, runtime, repo, redis, fence, ledger, journal, logger, tasks: this.#deps.queue,
        baselines, flakes: new FlakeStore(redis, config.queue.prefix), requireSpace: () => disk.requireSpace(), gate: !this.#isWorker,
      });
      this.#merges = merges;
      await merges.start();
      const providers = new ProviderGate(redis, config.queue.prefix);
      const budget = new BudgetGuard({ redis, prefix: config.queue.prefix, run, budget: config.budget, sessionTimeoutMs: config.limits.sessionTimeoutMs });
      const parked = new ParkedTasks(redis, config.queue.prefix);
      await liftBlocks(providers, parked, logger);
      const working = Object.values(config.roles.roles).filter((role) => role.count !== 0).map((role) => role.name);
      this.#idle = new IdleWatch({ queue: this.#deps.queue, parked, providers, budget, roles: working });
      // An attempt cannot run longer than the task time limit: an entry older than that (and the gate's wait) is a dead one.
      const branches = new ActiveBranches(redis, config.queue.prefix, repo, config.limits.taskTimeoutMs + config.gate.timeoutMs * 4);
      const memory = new MemoryStore(redis, config.queue.prefix);
      const leases = new FileLeases(redis, config.queue.prefix);
      const api = new AgentApiHost({
        tokens: agentTokens(redis, config.queue.prefix), memory, leases, dir: config.stateDir,
        peers: async (task) => withLeases(await branches.peers(task), await leases.active()),
        files: (task) => branches.files(task),
        journal: (event) => journal.append(event),
      });
      await this.#sweepSockets(api);
      const runner = createTaskRunner({
        config, runtime, repo, agentFor, providers, budget, disk, merges, baselines, ledger, fence, branches, journal, logger, memory: { store: memory, api, leases },
        shareBranches: this.#isWorker, controller: this.id,
      });
      const processor = async (attempt: TaskAttempt) => {
        await takeOverTask({ runtime, run, task: attempt.task.id, isAlive: (owner) => this.#registry.isAlive(owner), graceMs: TAKEOVER_GRACE_MS, logger });
        return runner(attempt);
      };
      // A controller given no slots only gates (and runs the sources and the oracle) for workers elsewhere.
      if (config.concurrency > 0) this.#worker = startTaskWorker({
        connection: redis, prefix: config.queue.prefix, concurrency: config.concurrency, leaseMs: config.queue.leaseMs,
        roles: Object.values(config.roles.roles).map(({ name, count, priority }) => ({ name, count: Math.min(count ?? config.concurrency, config.concurrency), priority })),
        processor, fence, logger, overlap: config.roles.overlap,
      });
      await journal.append({ type: 'run.started', controller: this.id, concurrency: config.concurrency, ...(this.#isWorker ? { worker: true } : {}) });
      if (this.#isWorker) {
        this.#set('running');
        return;
      }
      if (config.oracle?.check) {
        // The automatic oracle trigger: the monolithic check after main moves, a bisection when it fails.
        this.#oracle = new OracleWatch({ config, runtime, repo, redis, queue: this.#deps.queue, journal, logger });
        this.#oracle.start();
      }
      this.#sources = new TaskSources({ config, runtime, repo, redis, queue: this.#deps.queue, baselines, journal, logger });
      this.#sources.start();
      this.#set('running');
    } catch (error) {
      this.#set('failed');
      throw error;
    }
  }

  /**
   * Resolves once no task is waiting, running or delayed, or the only ones
   * left are parked behind a blocked provider; says what stood in the way.
   */
  async untilIdle(pollMs = 500): Promise<IdleOutcome> {
    for (;;) {
      if (this.#state !== 'running' || !this.#idle) return NOTHING_IN_THE_WAY;
      const outcome = await this.#idle.check(this.#worker?.running() ?? 0);
      if (outcome && (await this.#sources?.caughtUp()) !== false) return outcome;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  close(reason = 'stopped'): Promise<void> {
    this.#closing ??= this.#shutdown(reason);
    return this.#closing;
  }

  async #shutdown(reason: string): Promise<void> {
    if (this.#state === 'idle') return;
    this.#set('draining');
    const { config, runtime, logger } = this.#deps;
    const problems: unknown[] = [];
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        logger.error({ err: error, step: what }, 'shutdown step failed');
        problems.push(error);
      }
    };
    // First: no source queues a task while the rest stops.
    await step('task sources', async () => this.#sources?.close());
    await step('worker', async () => this.#worker?.close({ graceMs: config.shutdown.graceMs, forceMs: config.shutdown.forceMs }));
    // After the tasks: a task waiting for the gate is still its customer until it stops.
    await step('merge queue', async () => this.#merges?.close(config.shutdown.forceMs));
    await step('oracle watch', async () => this.#oracle?.close());
    clearInterval(this.#reaping);
    const run = this.#journal?.run;
    if (run) {
      await step('remove own containers', () => reapOwn(runtime, run, this.id));
      // Redis may be down: the next controller's start removes what this could not.
      await step('reap', () => withDeadline(this.#reapOrphans(run), config.shutdown.forceMs));
    }
    await step('leave the registry', () => withDeadline(this.#registry.leave(), config.shutdown.forceMs));
    await step('journal', async () => this.#journal?.append({ type: 'run.stopped', controller: this.id, reason }));
    // Last: the events of workers still running wait in Redis for another controller.
    await step('journal relay', async () => this.#relay?.close());
    this.#set(problems.length > 0 ? 'failed' : 'stopped');
    if (problems.length > 0) throw problems[0];
  }

  /** The images this process starts containers from: the agents' for tasks, the gate's and the oracle's on a controller. */
  #images(): Set<string> {
    const { config } = this.#deps;
    const tasks = config.concurrency > 0 ? [config.agent.image, ...Object.values(config.roles.roles).filter((role) => role.count !== 0).flatMap((role) => (role.agent.image ? [role.agent.image] : []))] : [];
    const gate = this.#isWorker ? [] : [config.gate.image, ...(config.oracle?.check ? [config.oracle.image] : [])];
    return new Set([...tasks, ...gate]);
  }

  /** Sessions of killed processes leave their agent API sockets behind; a failed look is only logged. */
  async #sweepSockets(api: AgentApiHost): Promise<void> {
    try {
      const removed = await api.sweep();
      if (removed > 0) this.#deps.logger.info({ removed }, 'removed the agent API sockets of sessions that are gone');
    } catch (error) {
      this.#deps.logger.warn({ err: messageOf(error) }, 'could not look for stale agent API sockets');
    }
  }

  /**
   * Removes the containers of controllers that are gone; never throws (Redis
   * or Docker down: the next look tries again). A look still waiting for
   * Redis is not joined by another.
   */
  async #reapOrphans(run: string): Promise<void> {
    if (this.#reapingNow) return;
    this.#reapingNow = true;
    const { runtime, logger } = this.#deps;
    try {
      await reapOrphans(runtime, run, { isAlive: (owner) => this.#registry.isAlive(owner), logger });
    } catch (error) {
      logger.warn({ err: messageOf(error) }, 'could not look for containers of controllers that are gone; trying again later');
    } finally {
      this.#reapingNow = false;
    }
  }
}
