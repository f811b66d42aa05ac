import type { Job, JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { taskId } from './task-id.ts';
import { RoleQueues } from './task-queues.ts';
import type { Task, TaskOutcome, TaskQueue, TaskRecord, TaskSpec, TaskState } from './types.ts';

export interface BullTaskQueueOptions {
  /** Shared connection (see connectRedis); the queue never closes it. */
  connection: Redis;
  /** Redis key prefix: one per gantry run or test. */
  prefix: string;
  /** Attempts per task, counting the first. */
  attempts: number;
  /** First retry delay, doubled on each later retry. @defaultValue 2000 */
  backoffMs?: number;
}

/** BullMQ job lists, and the task state each one means. */
const listedStates: ReadonlyArray<[JobType, TaskState]> = [
  ['waiting', 'waiting'],
  ['prioritized', 'waiting'],
  ['waiting-children', 'waiting'],
  ['active', 'active'],
  ['delayed', 'delayed'],
  ['completed', 'completed'],
  ['failed', 'failed'],
];

/** Every task source writes here, every worker reads its role's queue (see taskQueueName). */
export class BullTaskQueue implements TaskQueue {
  readonly #queues: RoleQueues;

  constructor(options: BullTaskQueueOptions) {
    this.#queues = new RoleQueues(options.connection, options.prefix, {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 2_000 },
      // Ended jobs stay: their jobId is what makes re-adding an ended task a no-op.
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  async add(spec: TaskSpec): Promise<{ task: Task; created: boolean }> {
    const fresh: Task = { ...spec, id: taskId(spec), createdAt: new Date().toISOString() };
    const role = await this.#queues.roles.claim(fresh.id, fresh.role);
    const task = { ...fresh, role };
    const queue = this.#queues.queue(role);
    // BullMQ answers a duplicate jobId with the existing id and no sign of it,
    // so read the job back: ours carries the createdAt we just made.
    await queue.add(role, task, { jobId: task.id });
    const stored = await queue.getJob(task.id);
    const storedTask = (stored?.data as Task | undefined) ?? task;
    return { task: storedTask, created: storedTask.createdAt === task.createdAt };
  }

  async list(states?: readonly TaskState[]): Promise<TaskRecord[]> {
    const seen = new Map<string, TaskRecord & { timestamp: number }>();
    const listed = states === undefined ? listedStates : listedStates.filter(([, state]) => states.includes(state));
    for (const role of await this.#queues.roles.all()) {
      for (const [type, state] of listed) {
        const jobs = (await this.#queues.queue(role).getJobs([type], 0, -1, true)) as Job<Task, TaskOutcome>[];
        for (const job of jobs) {
          // A job that moved between two reads shows up once, in its later state.
          if (job?.id !== undefined) seen.set(job.id, { ...toRecord(job, state), timestamp: job.timestamp });
        }
      }
    }
    return [...seen.values()].sort((a, b) => a.timestamp - b.timestamp).map(({ timestamp: _, ...record }) => record);
  }

  async pending(roles?: readonly string[]): Promise<number> {
    let count = 0;
    for (const role of roles ?? (await this.#queues.roles.all())) count += await this.#queues.queue(role).getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized');
    return count;
  }

  async retry(id: string): Promise<boolean> {
    const job = await this.#queues.job(id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true });
    return true;
  }

  async withdraw(id: string): Promise<boolean> {
    const job = await this.#queues.job(id);
    if (!job || !['waiting', 'prioritized', 'delayed'].includes(await job.getState())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      // A worker took it between the two calls: it is running now.
      return false;
    }
  }

  async close(): Promise<void> {
    await this.#queues.close();
  }
}

function toRecord(job: Job<Task, TaskOutcome>, state: TaskState): TaskRecord {
  const record: TaskRecord = { task: job.data, state, attempts: job.attemptsMade };
  if (job.failedReason) record.failedReason = job.failedReason;
  if (state === 'completed' && job.returnvalue) record.outcome = job.returnvalue;
  return record;
}
