import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';
import { BaselineStore, FlakeStore, MergeQueue, type MergeQueueDeps } from '../../harness/gate/index.ts';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { Fence, TaskLedger } from '../../harness/queue/index.ts';
import { FileJournal, readJournal } from '../../harness/reports/index.ts';
import { FakeRuntime } from '../../harness/runtime/index.ts';
import { commitFiles, makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import { openMergeQueue } from '../helpers/merge-queues.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const redis = useRedisPrefix();
const childQueue = fileURLToPath(new URL('../fixtures/merge-queue-child.ts', import.meta.url));
let dir: string;
let upstream: Upstream;
let config: GantryConfig;
let repo: GitControllerRepo;
let runtime: FakeRuntime;
let journal: FileJournal;
let deps: MergeQueueDeps;
let fence: Fence;
let ledger: TaskLedger;

beforeEach(async () => {
  // Deferred: runs after the merge queues this test opens are closed (latest first), so nothing writes while the folders go.
  redis.defer(async () => {
    await upstream.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  dir = await mkdtemp(join(tmpdir(), 'gantry-gate-'));
  upstream = await makeUpstream({ files: { 'README.md': 'hello\n' } });
  await writeFile(join(dir, 'gantry.yaml'), `repo:\n  url: ${upstream.url}\nagent:\n  kind: command\n  command: "true"\ngate:\n  command: ./check\nqueue:\n  prefix: ${redis.prefix}\n  lease: 2000\n`);
  config = await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: redis.url } });
  repo = new GitControllerRepo({ upstream: upstream.url, main: 'main', stateDir: config.stateDir });
  await repo.ensureClone();
  // The "tests" fail when the tree under test holds a file named bad.txt.
  runtime = new FakeRuntime({
    script: async (spec) => {
      const tree = spec.mounts.find((m) => m.containerPath === '/work')?.hostPath ?? '';
      return existsSync(join(tree, 'bad.txt')) ? { exitCode: 1, output: 'FAIL bad.txt\n' } : { exitCode: 0, output: 'ok\n' };
    },
  });
  journal = new FileJournal(join(dir, 'journal.jsonl'), 'r1');
  fence = new Fence(redis.redis, redis.prefix);
  ledger = new TaskLedger(redis.redis, redis.prefix);
  deps = {
    config, runtime, repo, redis: redis.redis, fence, ledger, journal, logger: silentLogger,
    baselines: new BaselineStore(redis.redis, redis.prefix), flakes: new FlakeStore(redis.redis, redis.prefix),
    tasks: { add: async () => { throw new Error('no review task expected'); } },
  };
});

/** A task branch with one commit of `files`, ingested, and its attempt's fencing token. */
async function branch(taskId: string, files: Record<string, string>) {
  const workspace = await repo.workspace(taskId, '1000:1000');
  await commitFiles(workspace.path, files, `work on ${taskId}`);
  const { head } = await repo.ingest(workspace);
  return { taskId, attempt: 1, fence: await fence.next(taskId), head };
}

function trailers(log: string): string[] {
  return [...log.matchAll(/^Gantry-Task: (\S+)$/gm)].map((m) => m[1] ?? '');
}

describe('the merge queue', () => {
  it('when good branches wait together, it lets them all in with one test run', async () => {
    const merges = await openMergeQueue(redis, deps);
    const ids = ['t1', 't2', 't3', 't4', 't5'];
    const requests = await Promise.all(ids.map((id) => branch(id, { [`${id}.txt`]: `${id}\n` })));
    const commits = await Promise.all(requests.map((r) => merges.submit(r)));
    expect(new Set(commits).size).toBe(5);
    expect(runtime.specs).toHaveLength(1);
    expect(trailers(await plainGit(upstream.dir, ['log', '--format=%B', 'main'])).sort()).toEqual(ids);
  });

  it('when branches wait together and one breaks the tests, it lets the others in and rejects that one with the output', async () => {
    const merges = await openMergeQueue(redis, deps);
    const requests = await Promise.all(['t1', 't2', 't3', 't4', 't5'].map((id) => branch(id, id === 't4' ? { 'bad.txt': 'x\n' } : { [`${id}.txt`]: `${id}\n` })));
    const outcomes = await Promise.allSettled(requests.map((r) => merges.submit(r)));

    const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ id: requests[i]?.taskId, error: o.reason as Error & { code: string } }] : []));
    expect(rejected.map((r) => r.id)).toEqual(['t4']);
    expect(rejected[0]?.error.code).toBe('GATE_FAILED');
    expect(rejected[0]?.error.message).toContain('FAIL bad.txt');
    const upstreamLog = await plainGit(upstream.dir, ['log', '--format=%B', 'main']);
    expect(trailers(upstreamLog).sort()).toEqual(['t1', 't2', 't3', 't5']);
    expect(await plainGit(upstream.dir, ['ls-tree', '--name-only', 'main'])).not.toContain('bad.txt');
    for (const id of ['t1', 't2', 't3', 't5']) expect(await ledger.merged(id)).toBeTruthy();
    const results = (await readJournal(journal.file)).filter((e) => e.type === 'gate.result');
    expect(results.length).toBeGreaterThan(0);
  });

  it('when an attempt was overtaken by a newer one, it refuses to merge it', async () => {
    const merges = await openMergeQueue(redis, deps);
    const request = await branch('t1', { 'a.txt': 'a\n' });
    await fence.next('t1');
    await expect(merges.submit(request)).rejects.toMatchObject({ code: 'STALE_LEASE' });
    expect(trailers(await plainGit(upstream.dir, ['log', '--format=%B', 'main']))).toEqual([]);
  });

  it('when a controller crashed after moving main but before recording the merge, it recognises the merge and never merges again', async () => {
    const merges = await openMergeQueue(redis, deps);
    const request = await branch('t1', { 'a.txt': 'a\n' });
    const base = await repo.mainHead();
    const merge = await repo.merge(base, request.head, 'Merge task t1\n\nGantry-Task: t1\n');
    if (!merge.ok) throw new Error('unexpected conflict');
    await ledger.markMerging('t1', merge.commit);
    expect(await repo.compareAndSwapMain(merge.commit, base)).toBe(true);
    // ...crash: never pushed, never marked merged.

    expect(await merges.alreadyMerged('t1')).toBe(merge.commit);
    expect(await merges.submit(request)).toBe(merge.commit);
    expect(await upstream.head()).toBe(merge.commit);
    expect(trailers(await plainGit(upstream.dir, ['log', '--format=%B', 'main']))).toEqual(['t1']);
    expect(runtime.specs).toHaveLength(0);
  });

  it('when the controller gating a batch is killed, another controller gates the branch after the lock runs out and its submitter learns the commit', async () => {
    const request = await branch('t1', { 'a.txt': 'a\n' });
    const survivor = new MergeQueue(deps);
    redis.defer(() => survivor.close(5_000));
    const decided = survivor.submit(request);
    const child = execa('node', [childQueue, join(dir, 'gantry.yaml'), redis.url], { reject: false });
    redis.defer(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('testing')) resolve(); });
      void child.then((result) => reject(new Error(`child merge queue exited: ${result.stderr}`)));
    });
    child.kill('SIGKILL');
    await child;

    await survivor.start();
    const commit = await decided;
    expect(await upstream.head()).toBe(commit);
    expect(trailers(await plainGit(upstream.dir, ['log', '--format=%B', 'main']))).toEqual(['t1']);
    expect(runtime.specs).toHaveLength(1);
  });
});
