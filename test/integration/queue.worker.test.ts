import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it, vi } from 'vitest';
import { GantryError, isGantryError } from '../../harness/errors.ts';
import { Fence, type TaskAttempt, type TaskOutcome } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { taskWorkerFixture } from '../helpers/task-worker.ts';

const spec = { text: 'fix the build', role: 'core', files: [], source: 'manual' };
const outcome: TaskOutcome = { status: 'merged', commit: 'abc123', sessions: 1 };
const childWorker = fileURLToPath(new URL('../fixtures/queue-worker-child.ts', import.meta.url));

describe('startTaskWorker', () => {
  const ctx = useRedisPrefix();
  const { makeQueue, startWorker, recordOf } = taskWorkerFixture(ctx);

  it('when a task is queued, it calls the processor with the task, attempt, fencing token and a live signal', async () => {
    const queue = makeQueue(3);
    const { task } = await queue.add(spec);
    const seen: TaskAttempt[] = [];
    startWorker(async (attempt) => {
      seen.push(attempt);
      return outcome;
    });

    expect((await recordOf(queue, 'completed')).outcome).toEqual(outcome);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ task, attempt: 1, maxAttempts: 3, fence: 1 });
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(await new Fence(ctx.redis, ctx.prefix).isCurrent(task.id, 1)).toBe(true);
  });

  it('when the processor throws a retryable error, it retries until maxAttempts and then fails with the reason', async () => {
    const queue = makeQueue(3);
    await queue.add(spec);
    const seen: Array<[number, number]> = [];
    startWorker(async ({ attempt, fence }) => {
      seen.push([attempt, fence]);
      throw new GantryError('AGENT_FAILED', `agent crashed on attempt ${attempt}`, { retryable: true });
    });

    const record = await recordOf(queue, 'failed');

    expect(seen).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(record).toMatchObject({ attempts: 3, failedReason: 'AGENT_FAILED: agent crashed on attempt 3' });
  });

  it('when the processor throws a non-retryable error, it fails the task at once', async () => {
    const queue = makeQueue(3);
    await queue.add(spec);
    let calls = 0;
    startWorker(async () => {
      calls += 1;
      throw new GantryError('TASK_INVALID', 'task names role "nobody", which no roles/*.yaml defines');
    });

    const record = await recordOf(queue, 'failed');
    await sleep(300);

    expect(calls).toBe(1);
    expect(record).toMatchObject({ attempts: 1, failedReason: 'TASK_INVALID: task names role "nobody", which no roles/*.yaml defines' });
  });

  it('when a failed task is retried, it runs again from attempt 1; a task that has not failed is not retried', async () => {
    const queue = makeQueue(1);
    const { task } = await queue.add(spec);
    const attempts: number[] = [];
    startWorker(async (attempt) => {
      attempts.push(attempt.attempt);
      if (attempts.length === 1) throw new GantryError('TESTS_CHANGED', 'held for review');
      return outcome;
    });
    await recordOf(queue, 'failed');

    expect(await queue.retry(task.id)).toBe(true);
    const record = await recordOf(queue, 'completed');
    expect(attempts).toEqual([1, 1]);
    expect(record.outcome).toEqual(outcome);
    expect(await queue.retry(task.id)).toBe(false);
    expect(await queue.retry('no-such-task')).toBe(false);
  });

  it('when more tasks are queued than its concurrency, it runs only that many at once', async () => {
    const queue = makeQueue(1);
    for (let i = 0; i < 5; i++) await queue.add({ ...spec, text: `task ${i}` });
    let now = 0;
    let most = 0;
    const listedWhileRunning: string[][] = [];
    const worker = startWorker(async () => {
      now += 1;
      most = Math.max(most, now, worker.running());
      listedWhileRunning.push((await queue.list(['active'])).map((r) => r.state));
      await sleep(150);
      now -= 1;
      return outcome;
    }, { concurrency: 2 });

    await vi.waitFor(async () => expect((await queue.list()).every((r) => r.state === 'completed')).toBe(true), { timeout: 15_000, interval: 50 });

    expect(most).toBe(2);
    expect(worker.running()).toBe(0);
    // Listing only some states leaves the others out.
    expect(listedWhileRunning.every((states) => states.length >= 1 && states.length <= 2 && states.every((state) => state === 'active'))).toBe(true);
    expect(await queue.list(['waiting', 'delayed', 'active'])).toEqual([]);
    expect(await queue.list(['completed'])).toHaveLength(5);
  });

  it('when closed during a running task, it aborts it, puts it back, and a new worker resumes it as the same attempt', async () => {
    const queue = makeQueue(2);
    const { task } = await queue.add(spec);
    const first: TaskAttempt[] = [];
    const worker = startWorker(async (attempt) => {
      first.push(attempt);
      await new Promise((resolve) => attempt.signal.addEventListener('abort', resolve));
      throw attempt.signal.reason;
    });
    // The processor has the attempt (a slot is taken a moment before it is called).
    await vi.waitFor(() => expect(first).toHaveLength(1), { timeout: 10_000, interval: 20 });

    const closing = worker.close({ graceMs: 200, forceMs: 5_000 });
    expect(worker.close({ graceMs: 1, forceMs: 1 })).toBe(closing);
    await closing;

    expect(first[0]?.signal.aborted).toBe(true);
    expect(isGantryError(first[0]?.signal.reason) && first[0]?.signal.reason.code).toBe('SHUTDOWN_TIMEOUT');
    expect((await queue.list())[0]).toMatchObject({ state: 'waiting', attempts: 0 });

    const resumed: TaskAttempt[] = [];
    startWorker(async (attempt) => {
      resumed.push(attempt);
      return outcome;
    });
    await recordOf(queue, 'completed');

    expect(resumed).toMatchObject([{ task, attempt: 1, fence: 2 }]);
    expect(ctx.redis.status).toBe('ready');
  });

  it('when closed during a running task, it puts the task back only once the aborted attempt has stopped, so no other worker starts it meanwhile', async () => {
    const queue = makeQueue(2);
    await queue.add(spec);
    const statesWhileStopping: string[] = [];
    const worker = startWorker(async (attempt) => {
      await new Promise((resolve) => attempt.signal.addEventListener('abort', resolve));
      // What a stopped session does before its attempt ends: commit its work in the work tree.
      await sleep(300);
      statesWhileStopping.push((await queue.list())[0]?.state ?? 'unknown');
      throw attempt.signal.reason;
    });
    await vi.waitFor(() => expect(worker.running()).toBe(1), { timeout: 10_000, interval: 20 });

    await worker.close({ graceMs: 100, forceMs: 5_000 });

    expect(statesWhileStopping).toEqual(['active']);
    expect((await queue.list())[0]).toMatchObject({ state: 'waiting', attempts: 0 });
  });

  it('when a running task ignores the abort past forceMs, close throws SHUTDOWN_TIMEOUT', async () => {
    const queue = makeQueue(2);
    await queue.add(spec);
    let release: (() => void) | undefined;
    const worker = startWorker(() => new Promise<TaskOutcome>((resolve) => (release = () => resolve(outcome))));
    ctx.defer(() => release?.());
    // The processor has the task (a slot is taken a moment before it is called).
    await vi.waitFor(() => expect(release).toBeDefined(), { timeout: 10_000, interval: 20 });

    const started = Date.now();
    const error = await worker.close({ graceMs: 100, forceMs: 300 }).catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'SHUTDOWN_TIMEOUT', message: expect.stringContaining('did not stop within 400 ms') });
    expect((await queue.list())[0]).toMatchObject({ state: 'waiting', attempts: 0 });
    release?.();
  });

  it('when a worker is killed with SIGKILL, its task runs again soon after the lease ends, as the same attempt', async () => {
    const leaseMs = 1_000;
    const queue = makeQueue(2);
    const { task } = await queue.add(spec);
    const child = execa('node', [childWorker, ctx.url, ctx.prefix, String(leaseMs)], { reject: false });
    ctx.defer(() => child.kill('SIGKILL'));
    const started = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      void child.then((result) => reject(new Error(`child worker exited: ${result.stderr}`)));
    });
    expect(JSON.parse(started)).toEqual({ task: task.id, attempt: 1, fence: 1 });

    child.kill('SIGKILL');
    await child;
    const killedAt = Date.now();
    const resumed: TaskAttempt[] = [];
    startWorker(async (attempt) => {
      resumed.push(attempt);
      return outcome;
    }, { leaseMs });
    await recordOf(queue, 'completed');

    expect(Date.now() - killedAt).toBeLessThan(leaseMs * 4);
    expect(resumed).toMatchObject([{ task, attempt: 1, fence: 2 }]);
  });
});

describe('Fence', () => {
  const ctx = useRedisPrefix();

  it('when a second token is taken for a task, the first becomes stale and assertCurrent refuses it', async () => {
    const fence = new Fence(ctx.redis, ctx.prefix);
    const first = await fence.next('t1');
    const second = await fence.next('t1');

    expect(second).toBeGreaterThan(first);
    expect(await fence.isCurrent('t1', first)).toBe(false);
    expect(await fence.isCurrent('t1', second)).toBe(true);
    await expect(fence.assertCurrent('t1', first)).rejects.toMatchObject({ code: 'STALE_LEASE', retryable: false });
    await expect(fence.assertCurrent('t1', second)).resolves.toBeUndefined();
    expect(await fence.next('t2')).toBe(1);
  });
});
