import { describe, expect, it, vi } from 'vitest';
import { GantryError } from '../../harness/errors.ts';
import { silentLogger } from '../../harness/log.ts';
import {
  BullTaskQueue,
  Fence,
  ParkedTasks,
  startTaskWorker,
  type TaskAttempt,
  type TaskOutcome,
  type TaskRecord,
  type TaskWorkerOptions,
} from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const spec = { text: 'fix the build', role: 'core', files: [], source: 'manual' };
const outcome: TaskOutcome = { status: 'merged', commit: 'abc123', sessions: 1 };
const blocked = () => new GantryError('PROVIDER_BLOCKED', 'provider anthropic refused the key', { retryable: true });

describe('startTaskWorker parking', () => {
  const ctx = useRedisPrefix();

  function makeQueue(): BullTaskQueue {
    const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts: 2, backoffMs: 50 });
    ctx.defer(() => queue.close());
    return queue;
  }

  function startWorker(processor: TaskWorkerOptions['processor'], parkMs: number) {
    const worker = startTaskWorker({
      connection: ctx.redis, prefix: ctx.prefix, concurrency: 1, leaseMs: 5_000,
      processor, fence: new Fence(ctx.redis, ctx.prefix), logger: silentLogger, parkMs,
    });
    ctx.defer(() => worker.close({ graceMs: 2_000, forceMs: 2_000 }).catch(() => undefined));
    return worker;
  }

  async function recordOf(queue: BullTaskQueue, state: TaskRecord['state']): Promise<TaskRecord> {
    let found: TaskRecord | undefined;
    await vi.waitFor(async () => {
      found = (await queue.list())[0];
      expect(found?.state).toBe(state);
    }, { timeout: 15_000, interval: 50 });
    return found!;
  }

  it('when the processor throws PROVIDER_BLOCKED, the task is parked as delayed without spending an attempt, then runs again as the same attempt', async () => {
    const queue = makeQueue();
    const { task } = await queue.add(spec);
    const parked = new ParkedTasks(ctx.redis, ctx.prefix);
    const seen: TaskAttempt[] = [];
    startWorker(async (attempt) => {
      seen.push(attempt);
      if (seen.length <= 2) throw blocked();
      return outcome;
    }, 400);

    const parkedRecord = await recordOf(queue, 'delayed');
    expect(parkedRecord).toMatchObject({ attempts: 0 });
    expect(await parked.list()).toEqual([{ task: task.id, reason: 'provider anthropic refused the key' }]);

    const done = await recordOf(queue, 'completed');
    expect(seen.map((a) => a.attempt)).toEqual([1, 1, 1]);
    expect(done).toMatchObject({ attempts: 1, outcome });
    expect(await parked.count()).toBe(0);
  });

  it('when a parked task waits far ahead, wakeAll makes it run now', async () => {
    const queue = makeQueue();
    await queue.add(spec);
    let calls = 0;
    startWorker(async () => {
      calls += 1;
      if (calls === 1) throw blocked();
      return outcome;
    }, 600_000);
    await recordOf(queue, 'delayed');

    expect(await new ParkedTasks(ctx.redis, ctx.prefix).wakeAll()).toBe(1);
    await recordOf(queue, 'completed');
    expect(calls).toBe(2);
  });
});
