import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, makeStateDir, plainGit } from '../helpers/git-fixture.ts';

describe('GitControllerRepo and the upstream', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n' });

  /** Merges an agent branch that adds `file` onto main and moves main; returns the merge commit. */
  async function mergeTask(taskId: string, file: string): Promise<string> {
    const workspace = await git.repo.workspace(taskId, '1000:1000');
    await commitFiles(workspace.path, { [file]: `${taskId}\n` });
    const { head } = await git.repo.ingest(workspace);
    const base = await git.repo.mainHead();
    const merged = await git.repo.merge(base, head, `Merge ${taskId}\n\nGantry-Task: ${taskId}\n`);
    if (!merged.ok) throw new Error(`merge of ${taskId} conflicted`);
    expect(await git.repo.compareAndSwapMain(merged.commit, base)).toBe(true);
    return merged.commit;
  }

  it('when several processes clone into one fresh state directory at once, each uses the clone that landed first', async () => {
    const stateDir = await makeStateDir();
    try {
      const repos = Array.from({ length: 4 }, () => new GitControllerRepo({ upstream: git.upstream.url, main: 'main', stateDir }));
      await Promise.all(repos.map((repo) => repo.ensureClone()));
      const upstreamHead = await git.upstream.head();
      for (const repo of repos) expect(await repo.mainHead()).toBe(upstreamHead);
      // No staging clone is left beside repo.git.
      expect((await readdir(stateDir)).filter((name) => name.startsWith('repo.git'))).toEqual(['repo.git']);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('when main has a new merge, pushMain moves the upstream main to it', async () => {
    const merged = await mergeTask('t1', 'one.txt');

    await git.repo.pushMain();

    expect(await git.upstream.head()).toBe(merged);
  });

  it('when someone pushed to the upstream first, pushMain throws a retryable MERGE_RACE; after syncMain a new merge pushes', async () => {
    const raced = await mergeTask('t1', 'one.txt');
    const theirs = await git.upstream.commit({ 'theirs.txt': 'theirs\n' });

    await expect(git.repo.pushMain()).rejects.toMatchObject({ code: 'MERGE_RACE', retryable: true });
    expect(await git.upstream.head()).toBe(theirs);

    expect(await git.repo.syncMain()).toBe(theirs);
    expect(await git.repo.mainHead()).toBe(theirs);
    // The unpushed merge is kept, not silently dropped.
    expect(await plainGit(git.gitDir, ['rev-parse', `refs/gantry/unpushed/${raced}`])).toBe(raced);

    const again = await mergeTask('t2', 'two.txt');
    await git.repo.pushMain();
    expect(await git.upstream.head()).toBe(again);
  });

  it('when the upstream main moved ahead, syncMain fast-forwards main; unpushed merges of its own are kept', async () => {
    const theirs = await git.upstream.commit({ 'theirs.txt': 'theirs\n' });
    expect(await git.repo.syncMain()).toBe(theirs);

    const ours = await mergeTask('t1', 'one.txt');
    expect(await git.repo.syncMain()).toBe(ours);
    expect(await git.repo.mainHead()).toBe(ours);
  });

  it('when the upstream main was rewritten, syncMain throws an error that says so and leaves main alone', async () => {
    const before = await git.repo.mainHead();
    const rewritten = await plainGit(git.upstream.dir, ['commit-tree', 'main^{tree}', '-m', 'rewritten root']);
    await plainGit(git.upstream.dir, ['update-ref', 'refs/heads/main', rewritten]);

    await expect(git.repo.syncMain()).rejects.toMatchObject({ code: 'GIT_FAILED', message: expect.stringMatching(/rewritten/) });
    expect(await git.repo.mainHead()).toBe(before);
  });

  it('when the upstream does not exist, ensureClone throws a retryable REPO_UNREACHABLE naming it', async () => {
    const missing = `${git.upstream.url}-missing`;
    const other = new GitControllerRepo({ upstream: missing, main: 'main', stateDir: join(git.stateDir, 'other') });

    await expect(other.ensureClone()).rejects.toMatchObject({
      code: 'REPO_UNREACHABLE',
      retryable: true,
      message: expect.stringContaining(missing),
    });
  });
});
