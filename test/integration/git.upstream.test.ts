import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { commitFiles, makeStateDir, makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';

describe('GitControllerRepo and the upstream', () => {
  let upstream: Upstream;
  let stateDir: string;
  let repo: GitControllerRepo;

  /** Merges an agent branch that adds `file` onto main and moves main; returns the merge commit. */
  async function mergeTask(taskId: string, file: string): Promise<string> {
    const workspace = await repo.workspace(taskId, '1000:1000');
    await commitFiles(workspace.path, { [file]: `${taskId}\n` });
    const { head } = await repo.ingest(workspace);
    const base = await repo.mainHead();
    const merged = await repo.merge(base, head, `Merge ${taskId}\n\nGantry-Task: ${taskId}\n`);
    if (!merged.ok) throw new Error(`merge of ${taskId} conflicted`);
    expect(await repo.compareAndSwapMain(merged.commit, base)).toBe(true);
    return merged.commit;
  }

  beforeEach(async () => {
    upstream = await makeUpstream({ files: { 'README.md': 'hello\n' } });
    stateDir = await makeStateDir();
    repo = new GitControllerRepo({ upstream: upstream.url, main: 'main', stateDir });
    await repo.ensureClone();
  });

  afterEach(async () => {
    await upstream.cleanup();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('when main has a new merge, pushMain moves the upstream main to it', async () => {
    const merged = await mergeTask('t1', 'one.txt');

    await repo.pushMain();

    expect(await upstream.head()).toBe(merged);
  });

  it('when someone pushed to the upstream first, pushMain throws a retryable MERGE_RACE; after syncMain a new merge pushes', async () => {
    const raced = await mergeTask('t1', 'one.txt');
    const theirs = await upstream.commit({ 'theirs.txt': 'theirs\n' });

    await expect(repo.pushMain()).rejects.toMatchObject({ code: 'MERGE_RACE', retryable: true });
    expect(await upstream.head()).toBe(theirs);

    expect(await repo.syncMain()).toBe(theirs);
    expect(await repo.mainHead()).toBe(theirs);
    // The unpushed merge is kept, not silently dropped.
    expect(await plainGit(join(stateDir, 'repo.git'), ['rev-parse', `refs/gantry/unpushed/${raced}`])).toBe(raced);

    const again = await mergeTask('t2', 'two.txt');
    await repo.pushMain();
    expect(await upstream.head()).toBe(again);
  });

  it('when the upstream main moved ahead, syncMain fast-forwards main; unpushed merges of its own are kept', async () => {
    const theirs = await upstream.commit({ 'theirs.txt': 'theirs\n' });
    expect(await repo.syncMain()).toBe(theirs);

    const ours = await mergeTask('t1', 'one.txt');
    expect(await repo.syncMain()).toBe(ours);
    expect(await repo.mainHead()).toBe(ours);
  });

  it('when the upstream main was rewritten, syncMain throws an error that says so and leaves main alone', async () => {
    const before = await repo.mainHead();
    const rewritten = await plainGit(upstream.dir, ['commit-tree', 'main^{tree}', '-m', 'rewritten root']);
    await plainGit(upstream.dir, ['update-ref', 'refs/heads/main', rewritten]);

    await expect(repo.syncMain()).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/rewritten/) });
    expect(await repo.mainHead()).toBe(before);
  });

  it('when the upstream does not exist, ensureClone throws a retryable REPO_UNREACHABLE naming it', async () => {
    const missing = `${upstream.url}-missing`;
    const other = new GitControllerRepo({ upstream: missing, main: 'main', stateDir: join(stateDir, 'other') });

    await expect(other.ensureClone()).rejects.toMatchObject({
      code: 'REPO_UNREACHABLE',
      retryable: true,
      message: expect.stringContaining(missing),
    });
  });
});
