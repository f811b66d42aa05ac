// The task queue: BullMQ on a durable Redis, fencing tokens, a cross-process
// lock and the per-task ledger. Connect with connectRedis, refuse a Redis that
// would lose jobs with checkRedisDurability, then build the rest on that client.
export { BullTaskQueue, type BullTaskQueueOptions } from './bullmq-task-queue.ts';
export { SlotPool } from './slot-pool.ts';
export { taskQueueName } from './task-queues.ts';
export { Fence } from './fence.ts';
export { TaskLedger } from './ledger.ts';
export { ParkedTasks, type ParkedTask } from './parked-tasks.ts';
export { withLock, type LockOptions } from './lock.ts';
export { checkRedisDurability, connectRedis, describeRedisUrl } from './redis.ts';
export { normalizeTaskText, subjectKey, taskId } from './task-id.ts';
export { startTaskWorker, type ShutdownOptions, type TaskWorker, type TaskWorkerOptions } from './task-worker.ts';
export type {
  SessionRecord,
  Task,
  TaskAttempt,
  TaskOutcome,
  TaskQueue,
  TaskRecord,
  TaskSpec,
  TaskState,
} from './types.ts';
export { FileLeases, type FileLease } from './file-leases.ts';
export { RedisTokens } from './redis-tokens.ts';
