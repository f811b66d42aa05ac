import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../harness/config/index.ts';
import { BaselineStore } from '../../harness/gate/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { BullTaskQueue } from '../../harness/queue/index.ts';
import { FileJournal, journalPath, readJournal } from '../../harness/reports/index.ts';
import { FakeRuntime } from '../../harness/runtime/index.ts';
import { TaskSources } from '../../harness/sources/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const FRAME = ['function frame(text) {', '  const line = "-".repeat(text.length);', '  console.log(`+-${line}-+`);', '  console.log(`| ${text} |`);', '  console.log(`+-${line}-+`);', '  return line.length;', '}'].join('\n');

/**
 * The sources' schedule against a real git history and a real Redis: each
 * source's first look, `everyMerges`, and a restarted controller that neither
 * repeats a look nor misses the merges made while it was down. The duplicate
 * and stale-docs sources run no container, so the runtime is never called.
 */
describe('task sources on a schedule', () => {
  const git = useControllerRepo({ 'src/a.js': FRAME, 'src/b.js': FRAME, 'src/render.js': 'export const render = 1;\n', 'docs/render.md': 'How render.js draws.\n' });
  const ctx = useRedisPrefix();

  async function sources() {
    await mkdir(join(git.stateDir, 'roles'), { recursive: true });
    await writeFile(join(git.stateDir, 'roles', 'dedup.yaml'), stringify({ name: 'dedup', count: 1, prompt: 'Consolidate.', source: { kind: 'duplicates', everyMerges: 2 } }));
    await writeFile(join(git.stateDir, 'gantry.yaml'), stringify({
      repo: { url: git.upstream.url }, stateDir: git.stateDir, agent: { kind: 'command', command: 'true' }, gate: { command: 'true' },
      queue: { prefix: ctx.prefix }, roles: { dir: './roles', sources: ['dedup', 'docs'] },
    }));
    const config = await loadConfig(join(git.stateDir, 'gantry.yaml'), { env: { REDIS_URL: ctx.url } });
    const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts: 1 });
    ctx.defer(() => queue.close());
    const journal = new FileJournal(journalPath(git.stateDir, 'run-1'), 'run-1');
    const runtime = new FakeRuntime();
    const make = () => new TaskSources({ config, runtime, repo: git.repo, redis: ctx.redis, queue, baselines: new BaselineStore(ctx.redis, ctx.prefix), journal, logger: silentLogger });
    const looks = async () => (await readJournal(journal.file)).flatMap((e) => (e.type === 'source.ran' ? [`${e.role} ${e.queued.length}`] : []));
    const tasks = async () => (await queue.list()).map((r) => `${r.task.role}: ${r.task.subject?.replace(/[0-9a-f]{12,}/g, '#')}`).sort();
    return { make, looks, tasks, runtime };
  }

  async function mainMoves(files: Record<string, string>): Promise<string> {
    await git.upstream.commit(files);
    return git.repo.syncMain();
  }

  it('looks at the first start, then after everyMerges merges; a restart resumes from what each source last saw', async () => {
    const { make, looks, tasks, runtime } = await sources();
    const first = make();
    await first.runOnce(await git.repo.mainHead());
    // First look: the duplicate is found; stale-docs has no merges to look at yet.
    expect(await tasks()).toEqual(['dedup: duplicate #']);
    expect(await looks()).toEqual(['dedup 1', 'docs 0']);

    const one = await mainMoves({ 'src/render.js': 'export const render = 2;\n' });
    await first.runOnce(one);
    // One merge: docs (every merge) looks and finds docs/render.md naming render.js; dedup (every 2) waits.
    expect(await tasks()).toEqual(['dedup: duplicate #', 'docs: stale-docs docs/render.md #']);
    expect(await looks()).toEqual(['dedup 1', 'docs 0', 'docs 1']);

    // A restarted controller on the same main repeats nothing.
    const restarted = make();
    await restarted.runOnce(one);
    expect(await looks()).toEqual(['dedup 1', 'docs 0', 'docs 1']);

    // A merge made while it was down still counts toward dedup's two; the duplicate is still there, and still one task.
    const two = await mainMoves({ 'README.txt': 'hello\n' });
    await restarted.runOnce(two);
    expect(await looks()).toEqual(['dedup 1', 'docs 0', 'docs 1', 'dedup 0', 'docs 0']);
    expect(await tasks()).toEqual(['dedup: duplicate #', 'docs: stale-docs docs/render.md #']);
    expect(runtime.specs).toEqual([]);
  });

  it('says it has caught up only once it has looked at main as it is now', async () => {
    const { make } = await sources();
    const watch = make();
    expect(await watch.caughtUp()).toBe(false);
    watch.start();
    await expect.poll(() => watch.caughtUp(), { timeout: 10_000 }).toBe(true);
    await mainMoves({ 'src/render.js': 'export const render = 3;\n' });
    expect(await watch.caughtUp()).toBe(false);
    await watch.close();
  });
});
