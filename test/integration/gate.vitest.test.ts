import { readFile } from 'node:fs/promises';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/index.ts';
import { BaselineStore, FlakeStore, type MergeQueue } from '../../harness/gate/index.ts';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { Fence, TaskLedger } from '../../harness/queue/index.ts';
import type { TaskSpec } from '../../harness/queue/types.ts';
import { FileJournal } from '../../harness/reports/index.ts';
import { DockerRuntime, runSelector } from '../../harness/runtime/index.ts';
import { commitFiles, makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import { readTree } from '../helpers/project-fixture.ts';
import { openMergeQueue } from '../helpers/merge-queues.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

// The merge gate on a real vitest suite (test/fixtures/repos/calc) in the
// gantry/test-vitest image: per-test results, the ratchet, main's copies of
// the trusted files, and what happens to branches that change them.

const FIXTURE = new URL('../fixtures/repos/calc/', import.meta.url).pathname;
const redis = useRedisPrefix();
const runtime = new DockerRuntime();
let dir: string;
let upstream: Upstream;
let repo: GitControllerRepo;
let fence: Fence;
let reviews: TaskSpec[];

async function gate(testChanges: 'deny' | 'review' | 'allow' = 'deny'): Promise<MergeQueue> {
  const yaml = [
    `repo:\n  url: ${upstream.url}`,
    'agent:\n  kind: command\n  command: "true"',
    'gate:',
    '  command: with-deps vitest run --reporter=json --outputFile=$GANTRY_RESULTS',
    '  format: vitest',
    '  select: with-deps vitest run --reporter=json --outputFile=$GANTRY_RESULTS {files} -t {pattern}',
    '  image: gantry/test-vitest',
    `  testChanges: ${testChanges}`,
    'container:\n  memory: 1g\n  network: none',
    `queue:\n  prefix: ${redis.prefix}\n  lease: 5000`,
  ].join('\n');
  await writeFile(join(dir, 'gantry.yaml'), `${yaml}\n`);
  const config = await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: redis.url } });
  repo = new GitControllerRepo({ upstream: upstream.url, main: 'main', stateDir: config.stateDir });
  await repo.ensureClone();
  fence = new Fence(redis.redis, redis.prefix);
  return openMergeQueue(redis, {
    config, runtime, repo, redis: redis.redis, fence, ledger: new TaskLedger(redis.redis, redis.prefix),
    baselines: new BaselineStore(redis.redis, redis.prefix), flakes: new FlakeStore(redis.redis, redis.prefix),
    tasks: { add: async (spec) => { reviews.push(spec); return { task: { ...spec, id: 'review', createdAt: '' }, created: true }; } },
    journal: new FileJournal(join(dir, 'journal.jsonl'), redis.prefix), logger: silentLogger,
  });
}

/** A task branch: `edit` changes files of the calc project (null deletes), committed and ingested. */
async function branch(taskId: string, edit: Record<string, string | null>) {
  const workspace = await repo.workspace(taskId, '1000:1000');
  const writes = Object.fromEntries(Object.entries(edit).filter((e): e is [string, string] => e[1] !== null));
  const deletes = Object.entries(edit).filter(([, v]) => v === null).map(([k]) => k);
  for (const file of deletes) await plainGit(workspace.path, ['rm', '-q', file]);
  await commitFiles(workspace.path, writes, `work on ${taskId}`);
  const { head } = await repo.ingest(workspace);
  return { taskId, attempt: 1, fence: await fence.next(taskId), head };
}

const ROOT = new URL('../../', import.meta.url).pathname;
const mainFiles = () => plainGit(upstream.dir, ['ls-tree', '-r', '--name-only', 'main']);

/** Runs the calc suite at one commit of the upstream, on this machine, with the repository's own vitest. */
async function suitePassesAt(commit: string): Promise<boolean> {
  const tree = await mkdtemp(join(tmpdir(), 'gantry-calc-'));
  try {
    await execa('sh', ['-c', 'git --git-dir "$0" archive "$1" | tar -x -C "$2"', upstream.dir, commit, tree]);
    await symlink(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    return (await execa(join(ROOT, 'node_modules/.bin/vitest'), ['run'], { cwd: tree, reject: false })).exitCode === 0;
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
const source = (file: string) => readFile(join(FIXTURE, file), 'utf8');

beforeEach(async () => {
  // Deferred: runs after the merge queues this test opens are closed (latest first), so nothing writes while the folders go.
  redis.defer(async () => {
    await runtime.removeAll(runSelector(redis.prefix)).catch(() => 0);
    await upstream.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  dir = await mkdtemp(join(tmpdir(), 'gantry-vitest-gate-'));
  upstream = await makeUpstream({ files: await readTree(FIXTURE) });
  reviews = [];
});

describe('the gate on a real vitest suite', () => {
  it('when a branch breaks one passing test, it is rejected naming that test and main is unchanged', async () => {
    const merges = await gate();
    const before = await upstream.head();
    const broken = (await source('src/mul.js')).replace('mul(x, x)', 'mul(x, x) + (x === 5 ? 1 : 0)');
    const request = await branch('t1', { 'src/mul.js': broken });
    const error = await merges.submit(request).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(error?.code).toBe('GATE_FAILED');
    expect(error?.message).toContain('test/mul.test.js > mul > squares');
    expect(error?.message).not.toContain('multiplies');
    expect(await upstream.head()).toBe(before);
  });

  it('when 20 branches wait together and 2 are bad, exactly the 18 good ones go in, the bad ones are named with their tests, and main passes at every commit', async () => {
    const merges = await gate();
    const before = await upstream.head();
    const edits: Array<[string, Record<string, string>]> = Array.from({ length: 20 }, (_, i) => [`good${i}`, { [`src/extra${i}.js`]: `export const n${i} = ${i};\n` }]);
    edits[6] = ['bad1', { 'src/sum.js': (await source('src/sum.js')).replace('a + b', 'a + b + 1') }];
    edits[15] = ['bad2', { 'src/text.js': (await source('src/text.js')).replace('toUpperCase', 'toLowerCase') }];
    const requests = [];
    for (const [id, files] of edits) requests.push(await branch(id, files));
    const outcomes = await Promise.allSettled(requests.map((r) => merges.submit(r)));
    const merged = requests.filter((_, i) => outcomes[i]?.status === 'fulfilled').map((r) => r.taskId);
    expect(merged.sort()).toEqual(edits.map(([id]) => id).filter((id) => id.startsWith('good')).sort());
    const reasons = Object.fromEntries(requests.flatMap((r, i) => {
      const outcome = outcomes[i];
      return outcome?.status === 'rejected' ? [[r.taskId, (outcome.reason as Error).message]] : [];
    }));
    expect(Object.keys(reasons).sort()).toEqual(['bad1', 'bad2']);
    expect(reasons.bad1).toContain('test/sum.test.js > sum > adds two numbers');
    expect(reasons.bad2).toContain('test/text.test.js > text > shouts');
    const commits = (await plainGit(upstream.dir, ['rev-list', '--first-parent', `${before}..main`])).split('\n');
    expect(commits).toHaveLength(18);
    for (const commit of commits) expect(await suitePassesAt(commit), commit).toBe(true);
  });

  it.each([
    ['adds .skip to a test', (t: string) => t.replace("it('squares'", "it.skip('squares'")],
    ['adds .only to a test', (t: string) => t.replace("it('squares'", "it.only('squares'")],
    ['adds .todo', (t: string) => t.replace("it('squares', () => expect(square(5)).toBe(25));", "it.todo('squares');")],
    ['empties an assertion', (t: string) => t.replace('expect(square(5)).toBe(25)', 'undefined')],
  ])('when a branch %s with testChanges deny, it is rejected for changing trusted tests', async (_, edit) => {
    const merges = await gate('deny');
    const request = await branch('t1', { 'test/mul.test.js': edit(await source('test/mul.test.js')) });
    await expect(merges.submit(request)).rejects.toMatchObject({ code: 'TESTS_CHANGED', retryable: true });
  });

  it('when a branch deletes a test with testChanges review, it is held and a critic task reviews it; once approved, it goes in', async () => {
    const merges = await gate('review');
    const before = await upstream.head();
    const request = await branch('t1', { 'test/text.test.js': null });
    await expect(merges.submit(request)).rejects.toMatchObject({ code: 'TESTS_CHANGED', retryable: false });
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ role: 'critic', files: ['test/text.test.js'], source: 'gate' });
    expect(await upstream.head()).toBe(before);

    // Approved by a person: the same head passes the test-change check (judged by main's copies) and goes in.
    const ledger = new TaskLedger(redis.redis, redis.prefix);
    await ledger.approve('t1', (await ledger.held('t1')) ?? '');
    await merges.submit({ ...request, attempt: 2, fence: await fence.next('t1') });
    expect(await mainFiles()).not.toContain('test/text.test.js');
  });

  it('when a branch deletes the test of code it breaks, with testChanges allow, main\'s copy of the test still judges it', async () => {
    const merges = await gate('allow');
    const broken = (await source('src/mul.js')).replace('a * b', 'a + b');
    const request = await branch('t1', { 'test/mul.test.js': null, 'src/mul.js': broken });
    await expect(merges.submit(request)).rejects.toThrow(/test\/mul\.test\.js > mul > multiplies/);
  });

  it('when a branch edits the test config to leave out a test it breaks, main\'s config judges it', async () => {
    const merges = await gate('allow');
    const broken = (await source('src/text.js')).replace("filter(Boolean)", 'filter(() => true)');
    const request = await branch('t1', {
      'vitest.config.js': "export default { test: { include: ['test/sum.test.js', 'test/mul.test.js'] } };\n",
      'src/text.js': broken,
    });
    await expect(merges.submit(request)).rejects.toThrow(/test\/text\.test\.js > text > splits words/);
  });

  it('when two branches conflict, the second goes back with the conflicting file and merges once redone on the new main', async () => {
    const merges = await gate();
    const first = await branch('t1', { 'README.md': 'first\n' });
    const second = await branch('t2', { 'README.md': 'second\n' });
    await merges.submit(first);
    const conflict = await merges.submit(second).then(() => undefined, (e: unknown) => e as Error & { code: string; data: { conflicts: string[] } });
    expect(conflict?.code).toBe('MERGE_CONFLICT');
    expect(conflict?.data.conflicts).toEqual(['README.md']);
    // Redone: the next attempt's work tree holds current main as a bundle; the agent merges it and resolves the conflict.
    const workspace = await repo.workspace('t2', '1000:1000');
    await plainGit(workspace.path, ['fetch', '-q', '.gantry/main.bundle', '+refs/heads/*:refs/remotes/origin/*']);
    await plainGit(workspace.path, ['merge', '-q', '-X', 'theirs', 'origin/main', '-m', 'merge main']);
    await commitFiles(workspace.path, { 'README.md': 'first and second\n' }, 'resolve');
    const { head } = await repo.ingest(workspace);
    await merges.submit({ taskId: 't2', attempt: 2, fence: await fence.next('t2'), head });
    expect(await plainGit(upstream.dir, ['show', 'main:README.md'])).toBe('first and second');
  });
});
