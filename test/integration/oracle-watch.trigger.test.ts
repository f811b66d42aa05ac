import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../harness/config/index.ts';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { OracleWatch } from '../../harness/oracle/index.ts';
import { BullTaskQueue, connectRedis } from '../../harness/queue/index.ts';
import { FileJournal, journalPath, readJournal, type JournalEvent } from '../../harness/reports/index.ts';
import { DockerRuntime } from '../../harness/runtime/index.ts';
import { C_EXAMPLE, ensureOracleImage, makeOracleProject, removeContainers, type OracleProject } from '../helpers/oracle-project.ts';

/**
 * The automatic trigger: the controller's OracleWatch runs `oracle.check`
 * after main moves and bisects when it fails; main that has not moved is not
 * checked again.
 */

const redisUrl = inject('redisUrl');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('oracle watch', () => {
  it('when main moves and oracle.check fails, it bisects that main; when main moves again and the check passes, it only records the check', async () => {
    await ensureOracleImage();
    const project: OracleProject = await makeOracleProject(redisUrl, { bugs: ['src/u15.c'] });
    cleanups.push(() => project.cleanup());
    const config = await loadConfig(join(project.dir, 'gantry.yaml'), { env: { REDIS_URL: redisUrl } });
    const redis: Redis = await connectRedis(redisUrl);
    cleanups.push(async () => redis.disconnect());
    const queue = new BullTaskQueue({ connection: redis, prefix: config.queue.prefix, attempts: 1 });
    cleanups.push(() => queue.close());
    const run = `${config.queue.prefix}-run`;
    cleanups.push(() => removeContainers(run));
    const journal = new FileJournal(journalPath(config.stateDir, run), run);
    const repo = new GitControllerRepo({ upstream: config.repo.url, main: config.repo.main, stateDir: config.stateDir });
    await repo.ensureClone();
    const first = await repo.syncMain();
    const events = (): Promise<JournalEvent[]> => readJournal(journal.file).catch(() => []);

    const watch = new OracleWatch({ config, runtime: new DockerRuntime({ logger: silentLogger }), repo, redis, queue, journal, logger: silentLogger, pollMs: 200 });
    cleanups.push(() => watch.close());
    watch.start();
    const done = await until('the bisection', async () => (await events()).find((event) => event.type === 'oracle.done'), 240_000);

    const seen = await events();
    expect(seen.filter((event) => event.type === 'oracle.check')).toMatchObject([{ commit: first, passed: false }]);
    expect(seen.find((event) => event.type === 'oracle.started')).toMatchObject({ commit: first, trigger: 'after-merge' });
    expect(done).toMatchObject({ commit: first, culprits: [['src/u15.c']] });
    expect((await queue.list()).map((record) => record.task.files)).toEqual([['src/u15.c']]);

    // "The fix": the candidate compiler stops miscompiling; the merge moves main.
    const compiler = await readFile(join(C_EXAMPLE, 'cc/candidate-cc'), 'utf8');
    await project.upstream.commit({ 'cc/candidate-cc': compiler.replace('set -eu\n', 'set -eu\nCANDIDATE_BUGS=\n') }, 'candidate: fix the miscompilation');
    const second = await repo.syncMain();
    await until('the check of the new main', async () => (await events()).find((event) => event.type === 'oracle.check' && event.commit === second), 120_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const after = await events();
    expect(after.filter((event) => event.type === 'oracle.check')).toMatchObject([{ commit: first, passed: false }, { commit: second, passed: true }]);
    expect(after.filter((event) => event.type === 'oracle.started')).toHaveLength(1);
  }, 420_000);
});
