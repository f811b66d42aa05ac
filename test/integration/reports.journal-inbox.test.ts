import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../harness/log.ts';
import { FileJournal, InboxJournal, journalPath, JournalRelay, readJournal } from '../../harness/reports/index.ts';
import { inboxKey } from '../../harness/reports/journal-inbox.ts';
import { appendLines } from '../../harness/reports/journal.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const RUN = 'run-inbox';

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('journal inbox: worker events reach the controllers\' journal file', () => {
  const ctx = useRedisPrefix();

  async function relay(stateDir: string, consumer: string, orphanedAfterMs?: number): Promise<JournalRelay> {
    const started = new JournalRelay({ redis: ctx.redis, prefix: ctx.prefix, stateDir, consumer, logger: silentLogger, ...(orphanedAfterMs === undefined ? {} : { orphanedAfterMs }) });
    await started.start();
    ctx.defer(() => started.close());
    return started;
  }

  it('copies each event once, in order, beside the controller\'s own, and empties the stream', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'gantry-inbox-'));
    ctx.defer(() => rm(stateDir, { recursive: true, force: true }));
    const file = journalPath(stateDir, RUN);
    const worker = new InboxJournal(ctx.redis, ctx.prefix, RUN);
    await new FileJournal(file, RUN).append({ type: 'run.started', controller: 'c1', concurrency: 0 });
    await relay(stateDir, 'c1');
    for (const task of ['a', 'b', 'c']) await worker.append({ type: 'task.queued', task, role: 'core', text: `task ${task}` });
    await until(async () => (await readJournal(file).catch(() => [])).length === 4);
    const events = await readJournal(file);
    expect(events.map((event) => event.type)).toEqual(['run.started', 'task.queued', 'task.queued', 'task.queued']);
    expect(events.slice(1).map((event) => ('task' in event ? event.task : ''))).toEqual(['a', 'b', 'c']);
    expect(events.slice(1).every((event) => /^\d+-\d+$/.test(String((event as { inbox?: string }).inbox)))).toBe(true);
    await until(async () => (await ctx.redis.xlen(inboxKey(ctx.prefix))) === 0);
  });

  it('an event taken by a controller that died is copied by another, once, even when the dead one had written it', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'gantry-inbox-'));
    ctx.defer(() => rm(stateDir, { recursive: true, force: true }));
    const file = journalPath(stateDir, RUN);
    const key = inboxKey(ctx.prefix);
    await ctx.redis.xgroup('CREATE', key, 'journal', '0', 'MKSTREAM');
    const worker = new InboxJournal(ctx.redis, ctx.prefix, RUN);
    await worker.append({ type: 'task.queued', task: 'written', role: 'core', text: 'copied before the death' });
    await worker.append({ type: 'task.queued', task: 'lost', role: 'core', text: 'taken, never copied' });
    // The dead controller took both and wrote the first, then died before acknowledging either.
    const taken = (await ctx.redis.xreadgroup('GROUP', 'journal', 'dead', 'COUNT', 10, 'STREAMS', key, '>')) as Array<[string, Array<[string, string[]]>]>;
    const [firstId] = taken[0]![1][0]!;
    const first = JSON.parse(taken[0]![1][0]![1][1]!) as object;
    await new FileJournal(file, RUN).append({ type: 'run.started', controller: 'dead', concurrency: 1 });
    await appendLines(file, `${JSON.stringify({ ...first, inbox: firstId })}\n`);
    await relay(stateDir, 'alive', 100);
    await until(async () => (await readJournal(file)).some((event) => 'task' in event && event.task === 'lost'));
    await until(async () => (await ctx.redis.xlen(key)) === 0);
    const tasks = (await readJournal(file)).flatMap((event) => (event.type === 'task.queued' ? [event.task] : []));
    expect(tasks).toEqual(['written', 'lost']);
  });

  it('an event naming a run that is not a plain name is dropped, not written outside the runs directory', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'gantry-inbox-'));
    ctx.defer(() => rm(stateDir, { recursive: true, force: true }));
    await relay(stateDir, 'c1');
    await new InboxJournal(ctx.redis, ctx.prefix, '../../escape').append({ type: 'task.queued', task: 'x', role: 'core', text: 'x' });
    await new InboxJournal(ctx.redis, ctx.prefix, RUN).append({ type: 'task.queued', task: 'y', role: 'core', text: 'y' });
    await until(async () => (await readJournal(journalPath(stateDir, RUN)).catch(() => [])).length === 1);
    await until(async () => (await ctx.redis.xlen(inboxKey(ctx.prefix))) === 0);
    await expect(readFile(join(stateDir, '..', 'escape', 'journal.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
