import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeRepo } from '../../harness/config/probe-repo.ts';
import { GitControllerRepo, type Workspace } from '../../harness/git/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { Fence } from '../../harness/queue/index.ts';
import { serverCredentials, startUpstreamServer, upstreamTokens, workerCredentials, type UpstreamServer } from '../../harness/upstream/index.ts';
import { commitFiles, makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const SERVER_TOKEN = 'server-token-0123456789abcdef';

/** git as someone holding `token` runs it against the server. */
async function gitWith(token: string | undefined, cwd: string, args: readonly string[]) {
  return execa('git', ['-c', 'safe.directory=*', ...args], {
    cwd, reject: false,
    env: {
      GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
      ...(token ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${token}` } : {}),
    },
  });
}

describe('gantry upstream serve: git smart HTTP with a token per task', () => {
  const ctx = useRedisPrefix();
  let upstream: Upstream;
  let server: UpstreamServer;
  let dir: string;

  beforeEach(async () => {
    upstream = await makeUpstream({ files: { 'README.md': 'hello\n' } });
    dir = await mkdtemp(join(tmpdir(), 'gantry-upstream-http-'));
    server = await startUpstreamServer({ repo: upstream.dir, host: '127.0.0.1', port: 0, token: SERVER_TOKEN, redis: ctx.redis, prefix: ctx.prefix, logger: silentLogger });
  });

  afterEach(async () => {
    await server.close();
    await upstream.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** A worker's clone: ingests a task's commit, as after an agent's session. */
  async function workerWithCommit(task: string): Promise<{ repo: GitControllerRepo; head: string; fence: number }> {
    const fence = await new Fence(ctx.redis, ctx.prefix).next(task);
    const repo = new GitControllerRepo({ upstream: server.url, main: 'main', stateDir: join(dir, `worker-${task}`), credentials: workerCredentials(upstreamTokens(ctx.redis, ctx.prefix)) });
    await repo.ensureClone();
    await repo.syncMain();
    const workspace: Workspace = await repo.workspace(task, '0:0');
    await commitFiles(workspace.path, { [`${task}.txt`]: `${task}\n` }, `work on ${task}`);
    const { head } = await repo.ingest(workspace);
    return { repo, head, fence };
  }

  it('a worker publishes its task branch, the gate fetches it and pushes main, and the worker deletes the branch', async () => {
    const { repo: worker, head, fence } = await workerWithCommit('t-one');
    await worker.publishBranch('t-one', fence, head);
    expect(await plainGit(upstream.dir, ['rev-parse', 'refs/heads/gantry/t-one'])).toBe(head);

    const gate = new GitControllerRepo({ upstream: server.url, main: 'main', stateDir: join(dir, 'gate'), credentials: serverCredentials(SERVER_TOKEN) });
    await gate.ensureClone();
    const base = await gate.syncMain();
    await gate.fetchBranch('t-one', head);
    const merged = await gate.merge(base, head, 'merge t-one');
    expect(merged.ok).toBe(true);
    expect(await gate.compareAndSwapMain(merged.ok ? merged.commit : '', base)).toBe(true);
    await gate.pushMain();
    expect(await upstream.head()).toBe(merged.ok ? merged.commit : '');

    await worker.unpublishBranch('t-one', fence);
    await worker.unpublishBranch('t-one', fence);
    expect((await gitWith(SERVER_TOKEN, dir, ['ls-remote', server.url])).stdout).not.toContain('gantry/t-one');
  });

  it('a task token cannot push main, another task\'s branch, or anything once a newer attempt holds the task', async () => {
    const { repo: worker, head, fence } = await workerWithCommit('t-two');
    const mainBefore = await upstream.head();
    const tokens = upstreamTokens(ctx.redis, ctx.prefix);
    const taskToken = await tokens.issue({ kind: 'task', task: 't-two', fence }, 60_000);
    const gitDir = join(dir, 'worker-t-two', 'repo.git');

    const toMain = await gitWith(taskToken, gitDir, ['push', server.url, `${head}:refs/heads/main`]);
    expect(toMain.exitCode).not.toBe(0);
    expect(toMain.stderr).toMatch(/403/);
    const toOther = await gitWith(taskToken, gitDir, ['push', server.url, `${head}:refs/heads/gantry/t-other`]);
    expect(toOther.exitCode).not.toBe(0);
    // Both refs in one push: refused whole, the allowed one included.
    const mixed = await gitWith(taskToken, gitDir, ['push', server.url, `${head}:refs/heads/gantry/t-two`, `${head}:refs/heads/main`]);
    expect(mixed.exitCode).not.toBe(0);
    expect(await upstream.head()).toBe(mainBefore);
    expect((await gitWith(SERVER_TOKEN, dir, ['ls-remote', server.url])).stdout).not.toMatch(/gantry\//);

    await new Fence(ctx.redis, ctx.prefix).next('t-two');
    await expect(worker.publishBranch('t-two', fence, head)).rejects.toThrow(/403/);
    expect((await gitWith(SERVER_TOKEN, dir, ['ls-remote', server.url])).stdout).not.toMatch(/gantry\//);
  });

  it('without a token nothing is served; a read token fetches but cannot push; a worker never asks to write main', async () => {
    expect((await gitWith(undefined, dir, ['ls-remote', server.url])).exitCode).not.toBe(0);
    expect((await gitWith('not-a-token-at-all', dir, ['ls-remote', server.url])).exitCode).not.toBe(0);
    const readToken = await upstreamTokens(ctx.redis, ctx.prefix).issue({ kind: 'read' }, 60_000);
    const clone = join(dir, 'reader');
    expect((await gitWith(readToken, dir, ['clone', '--quiet', server.url, clone])).exitCode).toBe(0);
    await commitFiles(clone, { 'x.txt': 'x\n' });
    const pushed = await gitWith(readToken, clone, ['push', server.url, 'HEAD:refs/heads/gantry/t-x']);
    expect(pushed.exitCode).not.toBe(0);
    expect(pushed.stderr).toMatch(/403/);
    await expect(workerCredentials(upstreamTokens(ctx.redis, ctx.prefix))({ kind: 'main' })).rejects.toThrow(/only the gate/);
  });

  it('a later attempt\'s branch replaces the earlier one, even where the server refuses forced updates', async () => {
    await plainGit(upstream.dir, ['config', 'receive.denyNonFastForwards', 'true']);
    const { repo: worker, head, fence } = await workerWithCommit('t-three');
    await worker.publishBranch('t-three', fence, head);
    // Started again from main after a lost host: not a descendant of what was pushed.
    const restarted = await worker.mainHead();
    await worker.publishBranch('t-three', fence, restarted);
    expect(await plainGit(upstream.dir, ['rev-parse', 'refs/heads/gantry/t-three'])).toBe(restarted);
  });

  it('`gantry config check --probe` reaches it with the server\'s token, and not without', async () => {
    expect(await probeRepo(server.url, 'main', { bearer: SERVER_TOKEN })).toEqual({ reachable: true, hasBranch: true });
    expect((await probeRepo(server.url, 'main')).reachable).toBe(false);
  });
});
