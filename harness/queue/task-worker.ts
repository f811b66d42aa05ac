import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { GantryError, isGantryError, messageOf, ShutdownTimeoutError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../log.ts';
import { withDeadline } from './deadline.ts';
import type { Fence } from './fence.ts';
import { FileClaims } from './file-claims.ts';
import { FileLeases } from './file-leases.ts';
import { ParkedTasks } from './parked-tasks.ts';
import { quietRepeats } from './repeat-filter.ts';
import { SlotPool } from './slot-pool.ts';
import { SubjectLocks } from './subject-locks.ts';
import { subjectKey } from './task-id.ts';
import { RoleQueues, taskQueueName } from './task-queues.ts';
import type { Task, TaskAttempt, TaskOutcome } from './types.ts';

export interface TaskWorkerOptions {
  /** Shared connection (see connectRedis); BullMQ duplicates it for blocking reads and never closes it. */
  connection: Redis;
  prefix: string;
  /** Tasks run at once by this worker, all roles together. */
  concurrency: number;
  /** The roles whose queues it reads: each runs up to `count` tasks at once; for the slots, see SlotPool. */
  roles: readonly RoleSlots[];
  /**
   * How long a task stays claimed without a heartbeat. BullMQ renews it while
   * the processor runs; a worker killed outright frees its tasks about one
   * lease later.
   */
  leaseMs: number;
  processor: (attempt: TaskAttempt) => Promise<TaskOutcome>;
  fence: Fence;
  logger: Logger;
  /**
   * How long a task waits when its attempt is parked (PROVIDER_BLOCKED) before
   * it is tried again; a starting controller wakes parked tasks at once.
   * @defaultValue 300000
   */
  parkMs?: number;
  /**
   * How long a task waits when another task of the same subject runs, before
   * it looks again (it spends no attempt). @defaultValue 15000
   */
  subjectWaitMs?: number;
  /**
   * How long a task waits when its attempt met a full state directory
   * (DISK_FULL) before it is tried again (it spends no attempt). @defaultValue 15000
   */
  diskWaitMs?: number;
  /**
   * `wait`: a task that declares a file a running task declared waits like a
   * busy subject (FILES_BUSY) until that task ends. @defaultValue 'run'
   */
  overlap?: 'wait' | 'run';
}

export interface RoleSlots {
  name: string;
  /** 0: the role's tasks wait. */
  count: number;
  priority: number;
}

export interface ShutdownOptions {
  /** How long running tasks may finish on their own. */
  graceMs: number;
  /** How long aborted tasks may take to stop after the grace period. */
  forceMs: number;
}

export interface TaskWorker {
  /** Idempotent: a second call returns the first call's promise. */
  close(options: ShutdownOptions): Promise<void>;
  /** Tasks whose processor is running now. */
  running(): number;
}

interface RunningAttempt {
  job: Job<Task, TaskOutcome>;
  token: string;
  abort: AbortController;
  /** Put back on the queue by a forced shutdown: no longer this worker's to finish. */
  returned: boolean;
  /** It holds one of the run's slots (until then it waits for one and has started nothing). */
  started: boolean;
  /** Resolves once the processor has returned or thrown. */
  settled: Promise<void>;
}

// A stalled job (its worker died) may be re-queued this many times before
// BullMQ fails it; each time is a lost worker, not a fault of the task.
const maxStalledCount = 5;

export function startTaskWorker(options: TaskWorkerOptions): TaskWorker {
  const { logger } = options;
  const running = new Map<string, RunningAttempt>();
  const parked = new ParkedTasks(options.connection, options.prefix);
  const slots = new SlotPool(options.concurrency);
  const queues = new RoleQueues(options.connection, options.prefix);
  const isRunning = async (taskId: string) => (await (await queues.job(taskId))?.isActive()) ?? false;
  const subjects = new SubjectLocks(options.connection, options.prefix, isRunning);
  const files = options.overlap === 'wait' ? new FileClaims(options.connection, options.prefix, isRunning) : undefined;
  const leases = new FileLeases(options.connection, options.prefix);

  // Errors that set the task aside, for this long, without spending an attempt.
  const parkingWaits: Partial<Record<ErrorCode, number>> = {
    PROVIDER_BLOCKED: options.parkMs ?? 300_000,
    SUBJECT_BUSY: options.subjectWaitMs ?? 15_000,
    FILES_BUSY: options.subjectWaitMs ?? 15_000,
    DISK_FULL: options.diskWaitMs ?? 15_000,
  };

  // One BullMQ worker per role, at the role's count; the slot pool holds all of them to `concurrency`.
  const workers = options.roles.filter((role) => role.count > 0).map((role) => {
    const worker = new Worker<Task, TaskOutcome>(taskQueueName(role.name), (job, token) => runAttempt(job, token ?? '', role), {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: role.count,
      lockDuration: options.leaseMs,
      // The default (30 s) would leave a dead worker's task idle far past its lease.
      stalledInterval: Math.max(1, Math.floor(options.leaseMs / 2)),
      maxStalledCount,
    });
    worker.on('error', quietRepeats((error) => logger.error({ role: role.name, err: messageOf(error) }, 'task worker error')));
    worker.on('stalled', (jobId) => logger.warn({ task: jobId }, 'task lease expired; task re-queued'));
    worker.on('lockRenewalFailed', (jobIds) => logger.warn({ tasks: jobIds }, 'task lease renewal failed'));
    worker.on('failed', (job, error) =>
      logger.warn({ task: job?.id, attempt: job?.attemptsMade, err: messageOf(error) }, 'task attempt failed'));
    return worker;
  });

  async function runAttempt(job: Job<Task, TaskOutcome>, token: string, role: RoleSlots): Promise<TaskOutcome> {
    const task = job.data;
    let settle = () => {};
    const entry: RunningAttempt = { job, token, abort: new AbortController(), returned: false, started: false, settled: new Promise((resolve) => (settle = resolve)) };
    running.set(task.id, entry);
    let release: (() => void) | undefined;
    const subject = subjectKey(task);
    let holdsSubject = false;
    let holdsFiles = false;
    const [result] = await Promise.allSettled([
      (async () => {
        const leased = await leases.blocking(task.id, task.files);
        if (leased) {
          const { lease, file } = leased;
          throw new GantryError('FILES_BUSY', `task ${lease.task} holds a lease on ${file} until ${new Date(lease.until).toISOString()} (gantry-agent lease); this one waits until it is released or lapses`, { retryable: true });
        }
        const holder = await subjects.claim(subject, task.id);
        if (holder !== undefined) throw new GantryError('SUBJECT_BUSY', `task ${holder} works on the same subject; this one waits until it ends`, { retryable: true });
        holdsSubject = true;
        const overlap = await files?.claim(task.id, task.files);
        if (overlap) throw new GantryError('FILES_BUSY', `task ${overlap.holder} declared ${overlap.file} too (roles.overlap: wait); this one waits until it ends`, { retryable: true });
        holdsFiles = files !== undefined;
        release = await slots.acquire(role.name, role.priority, entry.abort.signal);
        entry.started = true;
        await parked.unpark(task.id);
        const attempt: TaskAttempt = {
          task,
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          fence: await options.fence.next(task.id),
          signal: entry.abort.signal,
        };
        logger.info({ task: task.id, attempt: attempt.attempt, fence: attempt.fence }, 'task attempt started');
        return options.processor(attempt);
      })(),
    ]);
    settle();
    release?.();
    if (holdsSubject) await subjects.release(subject, task.id).catch((error: unknown) => logger.warn({ task: task.id, err: messageOf(error) }, 'could not release the task\'s subject; the next task of it takes it over'));
    if (holdsFiles) await files?.release(task.id).catch((error: unknown) => logger.warn({ task: task.id, err: messageOf(error) }, 'could not release the task\'s files; the next task that declares them drops the claim'));
    running.delete(task.id);
    // The job is back on the queue: BullMQ must neither complete nor fail it.
    if (entry.returned) throw new WaitingError();
    if (result.status === 'fulfilled') return result.value;
    const waitMs = isGantryError(result.reason) ? parkingWaits[result.reason.code] : undefined;
    if (waitMs !== undefined) await park(entry, messageOf(result.reason), waitMs);
    throw toBullMqError(result.reason);
  }

  /** Sets the task aside without spending an attempt; BullMQ must neither complete nor fail it. */
  async function park(entry: RunningAttempt, reason: string, delayMs: number): Promise<never> {
    try {
      await parked.park(entry.job, entry.token, reason, delayMs);
      logger.info({ task: entry.job.id, reason }, 'task parked without spending an attempt');
    } catch (error) {
      // Its lease then runs out and the stalled check re-queues it.
      logger.error({ task: entry.job.id, err: messageOf(error) }, 'could not park task');
    }
    throw new DelayedError();
  }

  /**
   * Stops the attempt, then puts its task back. The attempt gets up to
   * `stopMs` to stop (its session killed, its work committed) before the task
   * is free for another worker, which would otherwise start a session in the
   * same work tree while this one still writes to it.
   */
  async function putBack(entry: RunningAttempt, stopMs: number): Promise<void> {
    entry.returned = true;
    entry.abort.abort(new ShutdownTimeoutError(`task ${entry.job.id}: stopped by shutdown after the grace period`));
    await withDeadline(entry.settled, stopMs);
    try {
      await entry.job.moveToWait(entry.token);
      logger.info({ task: entry.job.id }, 'task put back on the queue for the next start');
    } catch (error) {
      // Its lease then runs out and the stalled check re-queues it.
      logger.error({ task: entry.job.id, err: messageOf(error) }, 'could not put task back on the queue');
    }
  }

  async function shutDown({ graceMs, forceMs }: ShutdownOptions): Promise<void> {
    // Stops taking tasks, waits for running ones, then closes BullMQ's own
    // connections. It can hang while Redis is down, hence the deadlines.
    const closed = Promise.all(workers.map((worker) => worker.close()))
      .then(() => queues.close())
      .catch((error: unknown) => logger.error({ err: messageOf(error) }, 'closing the task worker failed'));
    // Tasks still waiting for a slot have started nothing: back to the queue at once, or they would start while the run drains.
    const unstarted = [...running.values()].filter((entry) => !entry.started);
    await Promise.allSettled(unstarted.map((entry) => putBack(entry, forceMs / 2)));
    if ((await withDeadline(closed, graceMs)).done) return;
    const returned = [...running.values()].filter((entry) => !entry.returned);
    logger.warn({ tasks: returned.map((e) => e.job.id), graceMs }, 'grace period over; aborting running tasks');
    // Putting back needs Redis too, so it shares the force deadline: half of it for the attempts to stop.
    const forced = Promise.allSettled(returned.map((entry) => putBack(entry, forceMs / 2))).then(() => closed);
    if ((await withDeadline(forced, forceMs)).done) return;
    const left = [...running.keys()];
    throw new ShutdownTimeoutError(
      `task worker did not stop within ${graceMs + forceMs} ms (grace ${graceMs} + force ${forceMs}); ` +
        `still running: ${left.join(', ') || 'none, but BullMQ did not close (is Redis down?)'}. ` +
        'Their containers may still run; the next start resumes these tasks (at once if they were put back, else when their lease ends)',
    );
  }

  let closing: Promise<void> | undefined;
  return {
    close: (shutdown) => (closing ??= shutDown(shutdown)),
    running: () => running.size,
  };
}

/**
 * "Do not retry" travels to BullMQ as its own error type; the code goes into
 * the failed reason so that `task list` shows it.
 */
function toBullMqError(error: unknown): Error {
  if (!isGantryError(error)) return error instanceof Error ? error : new Error(String(error));
  const reason = `${error.code}: ${error.message}`;
  const converted = error.retryable ? new Error(reason) : new UnrecoverableError(reason);
  converted.cause = error;
  return converted;
}
