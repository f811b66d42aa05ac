import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { GantryError, messageOf, isGantryError } from '../errors.ts';
import { withDeadline } from '../queue/deadline.ts';
import { quietRepeats } from '../queue/repeat-filter.ts';
import { MergeGate, type MergeGateDeps, type MergeRequest } from './merge-gate.ts';
import { commitOf, refusedOutcome, type MergeOutcome } from './merge-outcome.ts';

/** The BullMQ queue branches wait in, in order, for the gate. */
export const MERGE_QUEUE = 'merge';

export interface MergeQueueDeps extends MergeGateDeps {
  /**
   * Runs before each gate round; when it throws (DISK_FULL: the state
   * directory has no room for the merged trees), the round's branches are
   * refused with its error, which parks their tasks without spending an attempt.
   */
  requireSpace?: () => Promise<void>;
  /**
   * Whether this process gates: takes branches from the queue and merges
   * them. A worker on another host only submits.
   * @defaultValue true
   */
  gate?: boolean;
}

type MergeJob = Job<MergeRequest, MergeOutcome>;

// A gate round that outlives its controller comes back this many times before
// BullMQ gives up on the request; the task then tries again.
const maxStalledCount = 3;
// After the first branch arrives, how long to wait for others finishing in the
// same moment (several tasks of one wave): far less than a suite run, and it
// saves one.
const GATHER_MS = 100;

/**
 * Branches wait for the gate in the BullMQ `merge` queue; every controller
 * takes batches from it (the merge lock in MergeGate lets one round run at a
 * time). The gate's decision is the job's return value, so the task that
 * submitted the branch learns it even when another controller gated it. A
 * controller that dies mid-round loses the jobs' locks; BullMQ's stalled check
 * puts them back in the queue for another round.
 */
export class MergeQueue {
  readonly #gate: MergeGate;
  readonly #deps: MergeQueueDeps;
  readonly #queue: Queue<MergeRequest, MergeOutcome>;
  readonly #events: QueueEvents;
  /** Absent when this process only submits. */
  readonly #worker: Worker<MergeRequest, MergeOutcome> | undefined;
  /** The lock owner of every job this controller took from the queue. */
  readonly #token = randomUUID();
  /** Taken from the queue and not yet decided: the next round's first candidates. */
  #carried: MergeJob[] = [];
  readonly #held = new Set<MergeJob>();
  #renewal: NodeJS.Timeout | undefined;
  #consuming: Promise<void> | undefined;
  #closing = false;

  constructor(deps: MergeQueueDeps) {
    this.#deps = deps;
    this.#gate = new MergeGate(deps);
    const { redis: connection, config } = deps;
    const prefix = config.queue.prefix;
    this.#queue = new Queue(MERGE_QUEUE, {
      connection, prefix,
      // The submitter reads the outcome at once; keep it a day for `gantry` to show.
      defaultJobOptions: { removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } },
    });
    this.#events = new QueueEvents(MERGE_QUEUE, { connection, prefix });
    // No processor: batches are taken by hand (getNextJob), which BullMQ's own loop cannot do.
    this.#worker = deps.gate === false ? undefined : new Worker(MERGE_QUEUE, null, {
      connection, prefix, autorun: false,
      lockDuration: config.queue.leaseMs,
      stalledInterval: Math.max(1, Math.floor(config.queue.leaseMs / 2)),
      maxStalledCount,
    });
    const logError = quietRepeats((error) => deps.logger.error({ err: messageOf(error) }, 'merge queue error'));
    this.#queue.on('error', logError);
    this.#events.on('error', logError);
    this.#worker?.on('error', logError);
  }

  /** Starts taking branches from the queue (when this process gates). */
  async start(): Promise<void> {
    await this.#events.waitUntilReady();
    const worker = this.#worker;
    if (!worker) return;
    await worker.waitUntilReady();
    // Manual fetching does not start the stalled check; without it a dead controller's round never returns.
    void worker.startStalledCheckTimer();
    this.#renewal = setInterval(() => void this.#renewLocks(), Math.max(100, Math.floor(this.#deps.config.queue.leaseMs / 3)));
    this.#consuming = this.#consume();
  }

  /**
   * Queues the branch and resolves with its merge commit once it is in main;
   * rejects with the gate's reason otherwise. An aborted wait leaves the
   * request queued: a newer attempt's fencing token makes the gate refuse it.
   */
  async submit(request: MergeRequest, signal?: AbortSignal): Promise<string> {
    const job = await this.#queue.add(request.taskId, request, { jobId: `${request.taskId}.${request.fence}` });
    const finished = job.waitUntilFinished(this.#events);
    if (!signal) return commitOf(await finished);
    return commitOf(await abortable(finished, signal, `task ${request.taskId}: stopped by shutdown while waiting for the gate`));
  }

  /**
   * The task's merge commit if it is in main. Only a gating process settles
   * a merge a crash interrupted (it pushes main); a worker leaves that to
   * the gate, which answers its next submit with the commit.
   */
  alreadyMerged(taskId: string): Promise<string | undefined> {
    return this.#worker ? this.#gate.alreadyMerged(taskId) : this.#deps.ledger.merged(taskId);
  }

  /**
   * Stops taking branches. A round under way may finish within `graceMs`;
   * after that it is abandoned: its jobs' locks run out and the stalled check
   * of a controller still running puts them back in the queue.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const stopped = (this.#consuming ?? Promise.resolve()).then(() => this.#release());
    // Forced: it only cuts the blocking wait for the next branch short (the
    // jobs taken by hand are this class's to finish or put back).
    const closeWorker = this.#worker?.close(true);
    const { done } = await withDeadline(stopped, graceMs);
    if (!done) this.#deps.logger.warn({ graceMs }, 'gate round still running at shutdown; its branches go back to the queue when their locks run out');
    clearInterval(this.#renewal);
    await withDeadline(Promise.allSettled([closeWorker, this.#events.close(), this.#queue.close()]), graceMs);
  }

  async #consume(): Promise<void> {
    while (!this.#closing) {
      try {
        const batch = await this.#nextBatch();
        if (batch.length > 0) await this.#runRound(batch);
      } catch (error) {
        if (this.#closing) return;
        this.#deps.logger.error({ err: messageOf(error) }, 'gate round failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** Waits for one branch (unless some are carried over), then takes what else waits, up to the batch size. */
  async #nextBatch(): Promise<MergeJob[]> {
    if (this.#carried.length === 0) {
      const first = await this.#take(true);
      if (!first) return [];
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    }
    const size = await this.#gate.batchSize();
    while (this.#carried.length < size && !this.#closing) {
      if (!(await this.#take(false))) break;
    }
    return this.#carried.splice(0, size);
  }

  async #take(block: boolean): Promise<MergeJob | undefined> {
    const job = (await this.#worker?.getNextJob(this.#token, { block })) as MergeJob | undefined;
    if (!job) return undefined;
    this.#held.add(job);
    this.#carried.push(job);
    return job;
  }

  async #runRound(batch: MergeJob[]): Promise<void> {
    const jobOf = new Map(batch.map((job) => [job.data, job]));
    let decided: Array<{ request: MergeRequest; outcome: MergeOutcome }>;
    try {
      await this.#deps.requireSpace?.();
      const round = await this.#gate.run(batch.map((job) => job.data));
      decided = round.outcomes;
      this.#carried.unshift(...round.deferred.flatMap((request) => jobOf.get(request) ?? []));
    } catch (error) {
      // Nothing was decided (main did not move): each task hears why, and its next attempt tries again.
      const reason = isGantryError(error) ? error : new GantryError('GATE_FAILED', `the gate failed: ${messageOf(error)}`, { retryable: true, cause: error });
      decided = batch.map((job) => ({ request: job.data, outcome: refusedOutcome(reason) }));
    }
    for (const { request, outcome } of decided) {
      const job = jobOf.get(request);
      if (!job) continue;
      this.#held.delete(job);
      await job.moveToCompleted(outcome, this.#token, false);
    }
  }

  async #renewLocks(): Promise<void> {
    for (const job of this.#held) {
      await job.extendLock(this.#token, this.#deps.config.queue.leaseMs).catch((error: unknown) => {
        this.#deps.logger.warn({ job: job.id, err: messageOf(error) }, 'could not renew a merge request lock');
      });
    }
  }

  /** Puts the branches taken but not gated back in the queue for the next controller. */
  async #release(): Promise<void> {
    for (const job of this.#carried.splice(0)) {
      this.#held.delete(job);
      await job.moveToWait(this.#token).catch((error: unknown) => {
        this.#deps.logger.warn({ job: job.id, err: messageOf(error) }, 'could not put a merge request back; its lock runs out instead');
      });
    }
  }
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  if (signal.aborted) throw new GantryError('SHUTDOWN_TIMEOUT', message, { retryable: true });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new GantryError('SHUTDOWN_TIMEOUT', message, { retryable: true }));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
