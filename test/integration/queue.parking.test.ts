import { describe, expect, it } from 'vitest';
import { GantryError } from '../../harness/errors.ts';
import { ParkedTasks, type TaskAttempt, type TaskOutcome } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { taskWorkerFixture } from '../helpers/task-worker.ts';

const spec = { text: 'fix the build', role: 'core', files: [], source: 'manual' };
const outcome: TaskOutcome = { status: 'merged', commit: 'abc123', sessions: 1 };
const blocked = () => new GantryError('PROVIDER_BLOCKED', 'provider anthropic refused the key', { retryable: true });

describe('startTaskWorker parking', () => {
  const ctx = useRedisPrefix();
  const { makeQueue, startWorker, recordOf } = taskWorkerFixture(ctx);

  it('when the processor throws PROVIDER_BLOCKED, the task is parked as delayed without spending an attempt, then runs again as the same attempt', async () => {
    const queue = makeQueue(2);
    const { task } = await queue.add(spec);
    const parked = new ParkedTasks(ctx.redis, ctx.prefix);
    const seen: TaskAttempt[] = [];
    startWorker(async (attempt) => {
      seen.push(attempt);
      if (seen.length <= 2) throw blocked();
      return outcome;
    }, { parkMs: 400 });

    const parkedRecord = await recordOf(queue, 'delayed');
    expect(parkedRecord).toMatchObject({ attempts: 0 });
    expect(await parked.list()).toEqual([{ task: task.id, reason: 'provider anthropic refused the key' }]);

    const done = await recordOf(queue, 'completed');
    expect(seen.map((a) => a.attempt)).toEqual([1, 1, 1]);
    expect(done).toMatchObject({ attempts: 1, outcome });
    expect(await parked.count()).toBe(0);
  });

  it('when a parked task waits far ahead, wakeAll makes it run now', async () => {
    const queue = makeQueue(2);
    await queue.add(spec);
    let calls = 0;
    startWorker(async () => {
      calls += 1;
      if (calls === 1) throw blocked();
      return outcome;
    }, { parkMs: 600_000 });
    await recordOf(queue, 'delayed');

    expect(await new ParkedTasks(ctx.redis, ctx.prefix).wakeAll()).toBe(1);
    await recordOf(queue, 'completed');
    expect(calls).toBe(2);
  });
});
