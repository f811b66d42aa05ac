import { describe, expect, it, vi } from 'vitest';
import { GantryError } from '../../harness/errors.ts';
import { silentLogger } from '../../harness/log.ts';
import { BullTaskQueue, Fence, startTaskWorker, type TaskAttempt, type TaskOutcome } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const spec = { text: 'fix the build', role: 'core', files: ['src/**'], source: 'manual' };

describe('BullTaskQueue.add', () => {
  const ctx = useRedisPrefix();

  function makeQueue(backoffMs = 2_000): BullTaskQueue {
    const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts: 2, backoffMs });
    ctx.defer(() => queue.close());
    return queue;
  }

  function startWorker(processor: (attempt: TaskAttempt) => Promise<TaskOutcome>) {
    const worker = startTaskWorker({
      connection: ctx.redis, prefix: ctx.prefix, concurrency: 1, leaseMs: 5_000, roles: [{ name: 'core', count: 1, priority: 50 }],
      processor, fence: new Fence(ctx.redis, ctx.prefix), logger: silentLogger,
    });
    ctx.defer(() => worker.close({ graceMs: 5_000, forceMs: 2_000 }));
    return worker;
  }

  it('when the same task is added twice, it queues one job and the second add reports created false', async () => {
    const queue = makeQueue();
    const first = await queue.add(spec);
    const second = await queue.add({ ...spec, text: '  fix the   build\n' });

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.task).toEqual(first.task);
    expect(first.task).toMatchObject({ ...spec, id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const records = await queue.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ task: first.task, state: 'waiting', attempts: 0 });
    expect(await queue.pending()).toBe(1);
  });

  it('when the subject differs, it gives another id and queues another job', async () => {
    const queue = makeQueue();
    const a = await queue.add({ ...spec, subject: 'test/a.test.ts > adds' });
    const b = await queue.add({ ...spec, subject: 'test/b.test.ts > adds' });
    const sameSubject = await queue.add({ ...spec, text: 'other words', subject: 'test/a.test.ts > adds' });

    expect(a.task.id).not.toBe(b.task.id);
    expect(b.created).toBe(true);
    expect(sameSubject).toMatchObject({ created: false, task: { id: a.task.id, text: spec.text } });
    expect((await queue.list()).map((r) => r.task.id)).toEqual([a.task.id, b.task.id]);
  });

  it('when a task has ended, adding it again is still a no-op', async () => {
    const queue = makeQueue();
    const { task } = await queue.add(spec);
    startWorker(async () => ({ status: 'merged', commit: 'abc123', sessions: 2 }));
    await vi.waitFor(async () => expect((await queue.list())[0]?.state).toBe('completed'), { timeout: 10_000, interval: 50 });

    const again = await queue.add(spec);

    expect(again).toEqual({ task, created: false });
    expect(await queue.list()).toEqual([
      { task, state: 'completed', attempts: 1, outcome: { status: 'merged', commit: 'abc123', sessions: 2 } },
    ]);
    expect(await queue.pending()).toBe(0);
  });

  it('when tasks are in different states, list shows each with its attempts and reason, oldest first', async () => {
    const queue = makeQueue(60_000);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    startWorker(async ({ task }) => {
      if (task.text === 'bad') throw new GantryError('TASK_INVALID', 'task bad: no such role');
      if (task.text === 'flaky') throw new Error('network went away');
      if (task.text === 'slow') await held;
      return { status: 'merged', commit: `c-${task.text}`, sessions: 1 };
    });
    ctx.defer(release);
    const ids: string[] = [];
    for (const text of ['good', 'bad', 'flaky', 'slow']) ids.push((await queue.add({ ...spec, text })).task.id);
    await vi.waitFor(async () => expect((await queue.list()).map((r) => r.state)).toEqual(['completed', 'failed', 'delayed', 'active']), {
      timeout: 10_000, interval: 50,
    });
    ids.push((await queue.add({ ...spec, text: 'later' })).task.id);

    const records = await queue.list();

    expect(records.map((r) => r.task.id)).toEqual(ids);
    expect(records.map(({ task, ...rest }) => ({ text: task.text, ...rest }))).toEqual([
      { text: 'good', state: 'completed', attempts: 1, outcome: { status: 'merged', commit: 'c-good', sessions: 1 } },
      { text: 'bad', state: 'failed', attempts: 1, failedReason: 'TASK_INVALID: task bad: no such role' },
      { text: 'flaky', state: 'delayed', attempts: 1, failedReason: 'network went away' },
      { text: 'slow', state: 'active', attempts: 0 },
      { text: 'later', state: 'waiting', attempts: 0 },
    ]);
    expect(await queue.pending()).toBe(3);
    release();
  });
});
