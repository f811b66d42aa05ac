import { Queue, type DefaultJobOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Task, TaskOutcome } from './types.ts';

/**
 * Each role's tasks wait in a BullMQ queue of their own, `tasks.<role>`, so
 * that one worker per role can keep that role at its count. A task's id is
 * claimed once across every role (`task-role:<id>` holds the role that has
 * it), so one subject is never queued twice, even under two roles.
 */
export function taskQueueName(role: string): string {
  return `tasks.${role}`;
}

export class TaskRoles {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** The role that has the task: the first role it was queued under wins. */
  async claim(taskId: string, role: string): Promise<string> {
    const key = this.#key(taskId);
    await this.#redis.set(key, role, 'NX');
    const owner = (await this.#redis.get(key)) ?? role;
    await this.#redis.sadd(this.#rolesKey(), owner);
    return owner;
  }

  async roleOf(taskId: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(taskId))) ?? undefined;
  }

  /** Every role a task was ever queued under (queues a config no longer names included). */
  async all(): Promise<string[]> {
    return (await this.#redis.smembers(this.#rolesKey())).sort();
  }

  #key(taskId: string): string {
    return `${this.#prefix}:task-role:${taskId}`;
  }

  #rolesKey(): string {
    return `${this.#prefix}:task-roles`;
  }
}

/** Each role's task queue, opened when first needed, and the job of a task in whichever of them has it. */
export class RoleQueues {
  readonly roles: TaskRoles;
  readonly #connection: Redis;
  readonly #prefix: string;
  readonly #jobOptions: DefaultJobOptions | undefined;
  readonly #queues = new Map<string, Queue<Task, TaskOutcome>>();

  /** `jobOptions`: for queues that add jobs; readers need none. */
  constructor(connection: Redis, prefix: string, jobOptions?: DefaultJobOptions) {
    this.roles = new TaskRoles(connection, prefix);
    this.#connection = connection;
    this.#prefix = prefix;
    this.#jobOptions = jobOptions;
  }

  queue(role: string): Queue<Task, TaskOutcome> {
    let queue = this.#queues.get(role);
    if (!queue) {
      queue = new Queue<Task, TaskOutcome>(taskQueueName(role), {
        connection: this.#connection,
        prefix: this.#prefix,
        ...(this.#jobOptions ? { defaultJobOptions: this.#jobOptions } : {}),
      });
      // The shared connection's errors are logged where it was made (connectRedis, once per cause);
      // BullMQ prints every one a queue re-emits with no listener, a stack trace per reconnect.
      queue.on('error', () => {});
      this.#queues.set(role, queue);
    }
    return queue;
  }

  /** The task's BullMQ job, in whichever role's queue has it. */
  async job(taskId: string): Promise<Job<Task, TaskOutcome> | undefined> {
    const role = await this.roles.roleOf(taskId);
    return role === undefined ? undefined : ((await this.queue(role).getJob(taskId)) ?? undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }
}
