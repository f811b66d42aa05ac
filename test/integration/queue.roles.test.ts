import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { subjectKey, type TaskAttempt, type TaskOutcome } from '../../harness/queue/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { taskWorkerFixture } from '../helpers/task-worker.ts';

const outcome: TaskOutcome = { status: 'merged', commit: 'abc123', sessions: 1 };
const spec = (role: string, text: string) => ({ text, role, files: [], source: 'manual' });

/** A processor that holds each task until released, recording what ran at once. */
function gatedProcessor() {
  const started: string[] = [];
  const running = new Map<string, string>();
  const peaks = new Map<string, number>();
  let peakTotal = 0;
  const gates = new Map<string, () => void>();
  const processor = async ({ task }: TaskAttempt): Promise<TaskOutcome> => {
    started.push(task.text);
    running.set(task.id, task.role);
    const count = [...running.values()].filter((role) => role === task.role).length;
    peaks.set(task.role, Math.max(peaks.get(task.role) ?? 0, count));
    peakTotal = Math.max(peakTotal, running.size);
    await new Promise<void>((resolve) => gates.set(task.text, resolve));
    running.delete(task.id);
    return outcome;
  };
  const release = async (text: string) => {
    await vi.waitFor(() => expect(gates.has(text), `${text} is running`).toBe(true), { timeout: 10_000, interval: 20 });
    gates.get(text)?.();
    gates.delete(text);
  };
  return { processor, started, peaks, peakTotal: () => peakTotal, release, holding: () => [...gates.keys()].sort() };
}

describe('startTaskWorker with roles', () => {
  const ctx = useRedisPrefix();
  const { makeQueue, startWorker } = taskWorkerFixture(ctx);

  it('when roles have counts, each role runs at most its count and all together at most concurrency', async () => {
    const queue = makeQueue(1);
    for (const text of ['c1', 'c2', 'c3', 'c4']) await queue.add(spec('core', text));
    for (const text of ['d1', 'd2']) await queue.add(spec('docs', text));
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 3, roles: [{ name: 'core', count: 2, priority: 50 }, { name: 'docs', count: 1, priority: 50 }] });

    await vi.waitFor(() => expect(gated.holding()).toHaveLength(3), { timeout: 10_000 });
    expect(gated.holding()).toEqual(['c1', 'c2', 'd1']);
    // Nothing else starts while they hold every slot.
    await sleep(300);
    expect(gated.started).toHaveLength(3);
    for (const text of ['c1', 'c2', 'd1', 'c3', 'c4', 'd2']) await gated.release(text);
    await vi.waitFor(async () => expect((await queue.list()).every((r) => r.state === 'completed')).toBe(true), { timeout: 10_000 });
    expect(gated.peaks.get('core')).toBe(2);
    expect(gated.peaks.get('docs')).toBe(1);
    expect(gated.peakTotal()).toBe(3);
  });

  it('when slots are short, the role with the higher priority starts first, whatever order the tasks came in', async () => {
    const queue = makeQueue(1);
    for (const text of ['low1', 'low2', 'low3']) await queue.add(spec('dedup', text));
    const gated = gatedProcessor();
    // Each role may take two tasks, so each has one waiting for the one slot while another runs.
    startWorker(gated.processor, { concurrency: 1, roles: [{ name: 'dedup', count: 2, priority: 10 }, { name: 'core', count: 2, priority: 90 }] });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['low1']), { timeout: 10_000 });
    await queue.add(spec('core', 'high1'));
    await queue.add(spec('core', 'high2'));
    // low2 and both high tasks wait for the slot before it frees; neither role holds one then.
    await sleep(500);
    for (const text of ['low1', 'high1', 'high2', 'low2', 'low3']) await gated.release(text);
    expect(gated.started).toEqual(['low1', 'high1', 'high2', 'low2', 'low3']);
  });

  it('when one role has a backlog, a free slot goes to a role with none running before it, whatever their priorities', async () => {
    const queue = makeQueue(1);
    for (const text of ['c1', 'c2']) await queue.add(spec('core', text));
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 2, roles: [{ name: 'core', count: 2, priority: 90 }, { name: 'docs', count: 1, priority: 10 }] });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['c1', 'c2']), { timeout: 10_000 });
    await queue.add(spec('core', 'c3'));
    await queue.add(spec('docs', 'd1'));
    await sleep(500);
    await gated.release('c1');
    await vi.waitFor(() => expect(gated.holding()).toEqual(['c2', 'd1']), { timeout: 10_000 });
    for (const text of ['c2', 'd1', 'c3']) await gated.release(text);
    expect(gated.started).toEqual(['c1', 'c2', 'd1', 'c3']);
  });

  it('when a role has count 0, its tasks wait while the others run', async () => {
    const queue = makeQueue(1);
    await queue.add(spec('perf', 'paused'));
    await queue.add(spec('core', 'working'));
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 2, roles: [{ name: 'core', count: 1, priority: 50 }, { name: 'perf', count: 0, priority: 50 }] });
    await gated.release('working');
    await vi.waitFor(async () => expect((await queue.list()).map((r) => [r.task.text, r.state])).toEqual([['paused', 'waiting'], ['working', 'completed']]), { timeout: 10_000 });
    expect(gated.started).toEqual(['working']);
  });

  it('when one subject is queued under two roles, it is one task, under the first role', async () => {
    const queue = makeQueue(1);
    const first = await queue.add({ ...spec('core', 'tidy the parser'), subject: 'parser' });
    const second = await queue.add({ ...spec('dedup', 'tidy the parser'), subject: 'parser' });
    expect(second).toEqual({ task: first.task, created: false });
    expect((await queue.list()).map((r) => [r.task.id, r.task.role])).toEqual([[first.task.id, 'core']]);
    expect(await queue.pending()).toBe(1);
  });

  it('when the worker closes while a task waits for a slot, that task goes back to the queue without spending an attempt', async () => {
    const queue = makeQueue(2);
    await queue.add(spec('core', 'running'));
    await queue.add(spec('docs', 'waiting'));
    const gated = gatedProcessor();
    const worker = startWorker(gated.processor, { concurrency: 1, roles: [{ name: 'core', count: 1, priority: 90 }, { name: 'docs', count: 1, priority: 10 }] });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['running']), { timeout: 10_000 });
    await vi.waitFor(() => expect(worker.running()).toBe(2), { timeout: 10_000 });
    const closed = worker.close({ graceMs: 5_000, forceMs: 2_000 });
    await gated.release('running');
    await closed;
    expect(gated.started).toEqual(['running']);
    const records = await queue.list();
    expect(records.find((r) => r.task.text === 'waiting')).toMatchObject({ state: 'waiting', attempts: 0 });
    expect(records.find((r) => r.task.text === 'running')?.state).toBe('completed');
  });
});

describe('startTaskWorker and subjects', () => {
  const ctx = useRedisPrefix();
  const { makeQueue, startWorker } = taskWorkerFixture(ctx);

  it('when two tasks from two sources share a subject, the second waits for the first without spending an attempt', async () => {
    const queue = makeQueue(1);
    await queue.add({ ...spec('core', 'fix parser'), subject: 'test parser.test.ts', source: 'failing-test' });
    await queue.add({ ...spec('core', 'fix parser, by hand'), subject: 'test parser.test.ts' });
    await queue.add(spec('core', 'other'));
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 3, roles: [{ name: 'core', count: 3, priority: 50 }], subjectWaitMs: 200 });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['fix parser', 'other']), { timeout: 10_000 });
    // Looked again several times while the first held the subject, and never started.
    await sleep(800);
    expect(gated.started).toEqual(['fix parser', 'other']);
    await gated.release('fix parser');
    await gated.release('other');
    await gated.release('fix parser, by hand');
    await vi.waitFor(async () => expect((await queue.list()).sort((a, b) => a.task.text.localeCompare(b.task.text)).map((r) => [r.task.text, r.state, r.attempts])).toEqual([
      ['fix parser', 'completed', 1], ['fix parser, by hand', 'completed', 1], ['other', 'completed', 1],
    ]), { timeout: 10_000 });
  });

  it('when the task holding a subject no longer runs (its controller died), the next task of the subject takes it over', async () => {
    const queue = makeQueue(1);
    const { task } = await queue.add({ ...spec('core', 'fix parser'), subject: 'parser' });
    // A lock left by a task that is not running: queued, never taken by any worker.
    await ctx.redis.set(`${ctx.prefix}:subject:${subjectKey({ subject: 'parser', text: '' })}`, 'gone-task');
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 1, roles: [{ name: 'core', count: 1, priority: 50 }], subjectWaitMs: 200 });
    await gated.release('fix parser');
    await vi.waitFor(async () => expect((await queue.list())[0]?.state).toBe('completed'), { timeout: 10_000 });
    expect(await ctx.redis.get(`${ctx.prefix}:subject:${subjectKey(task)}`)).toBeNull();
  });

  it('when two tasks declare overlapping files and roles.overlap is wait, the second waits for the first without spending an attempt', async () => {
    const queue = makeQueue(1);
    await queue.add({ ...spec('core', 'speed up the parser'), files: ['src/parser/**'] });
    await queue.add({ ...spec('core', 'fix the tokenizer'), files: ['src/parser/tokenizer.ts', 'test/tokenizer.test.ts'] });
    await queue.add({ ...spec('core', 'docs'), files: ['docs/**'] });
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 3, roles: [{ name: 'core', count: 3, priority: 50 }], subjectWaitMs: 200, overlap: 'wait' });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['docs', 'speed up the parser']), { timeout: 10_000 });
    await sleep(800);
    expect(gated.started).toEqual(['speed up the parser', 'docs']);
    await gated.release('speed up the parser');
    await gated.release('fix the tokenizer');
    await gated.release('docs');
    await vi.waitFor(async () => expect((await queue.list()).sort((a, b) => a.task.text.localeCompare(b.task.text)).map((r) => [r.task.text, r.state, r.attempts])).toEqual([
      ['docs', 'completed', 1], ['fix the tokenizer', 'completed', 1], ['speed up the parser', 'completed', 1],
    ]), { timeout: 10_000 });
    expect(await ctx.redis.hlen(`${ctx.prefix}:file-claims`)).toBe(0);
  });

  it('when roles.overlap is run, tasks that declare the same files start together', async () => {
    const queue = makeQueue(1);
    await queue.add({ ...spec('core', 'speed up the parser'), files: ['src/parser/**'] });
    await queue.add({ ...spec('core', 'fix the tokenizer'), files: ['src/parser/tokenizer.ts'] });
    const gated = gatedProcessor();
    startWorker(gated.processor, { concurrency: 2, roles: [{ name: 'core', count: 2, priority: 50 }], subjectWaitMs: 200, overlap: 'run' });
    await vi.waitFor(() => expect(gated.holding()).toEqual(['fix the tokenizer', 'speed up the parser']), { timeout: 10_000 });
    await gated.release('speed up the parser');
    await gated.release('fix the tokenizer');
  });
});

describe('BullTaskQueue.withdraw', () => {
  const ctx = useRedisPrefix();
  const { makeQueue, startWorker } = taskWorkerFixture(ctx);

  it('takes a waiting task off the queue, and refuses a running, ended or unknown one', async () => {
    const queue = makeQueue(1);
    const { task: waiting } = await queue.add(spec('core', 'waiting'));
    expect(await queue.withdraw(waiting.id)).toBe(true);
    expect(await queue.list()).toEqual([]);
    expect(await queue.withdraw('no-such-task')).toBe(false);
    const { task: running } = await queue.add(spec('core', 'running'));
    const gated = gatedProcessor();
    startWorker(gated.processor);
    await vi.waitFor(() => expect(gated.holding()).toEqual(['running']), { timeout: 10_000 });
    expect(await queue.withdraw(running.id)).toBe(false);
    await gated.release('running');
    await vi.waitFor(async () => expect((await queue.list())[0]?.state).toBe('completed'), { timeout: 10_000 });
    expect(await queue.withdraw(running.id)).toBe(false);
  });
});
