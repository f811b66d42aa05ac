import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

describe('GitControllerRepo merges', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n' });

  /** A task whose agent committed `files`, already ingested; returns the branch head. */
  async function agentBranch(taskId: string, files: Record<string, string>): Promise<string> {
    const workspace = await git.repo.workspace(taskId, '1000:1000');
    await commitFiles(workspace.path, files, `work on ${taskId}`);
    return (await git.repo.ingest(workspace)).head;
  }

  async function parentsOf(commit: string): Promise<string[]> {
    return (await plainGit(git.gitDir, ['rev-list', '--parents', '-n', '1', commit])).split(' ').slice(1);
  }

  it('when two branches change different files, it makes merge commits with two parents, both files and the message kept', async () => {
    const base = await git.repo.mainHead();
    const first = await agentBranch('t1', { 'one.txt': '1\n' });
    const second = await agentBranch('t2', { 'two.txt': '2\n' });

    // t1 is a fast-forward of main: still a merge commit, so the task shows in history.
    const merged1 = await git.repo.merge(base, first, 'Merge t1\n\nGantry-Task: t1\n');
    if (!merged1.ok) throw new Error('first merge conflicted');
    expect(await parentsOf(merged1.commit)).toEqual([base, first]);
    expect(await git.repo.compareAndSwapMain(merged1.commit, base)).toBe(true);

    const merged2 = await git.repo.merge(merged1.commit, second, 'Merge t2\n\nGantry-Task: t2\n');
    if (!merged2.ok) throw new Error('second merge conflicted');
    expect(await parentsOf(merged2.commit)).toEqual([merged1.commit, second]);
    expect(await plainGit(git.gitDir, ['rev-parse', `${merged2.commit}^{tree}`])).toBe(merged2.tree);
    expect((await plainGit(git.gitDir, ['ls-tree', '--name-only', merged2.commit])).split('\n')).toEqual(['README.md', 'one.txt', 'two.txt']);
    expect(await plainGit(git.gitDir, ['log', '-1', '--format=%B', merged2.commit])).toBe('Merge t2\n\nGantry-Task: t2');
    expect(await plainGit(git.gitDir, ['log', '-1', '--format=%an <%ae>', merged2.commit])).toBe('gantry <gantry@localhost>');
    // No ref moved: main is still where the CAS put it.
    expect(await git.repo.mainHead()).toBe(merged1.commit);
  });

  it('when two branches change the same lines, the second merge reports the conflicting file and writes nothing', async () => {
    const base = await git.repo.mainHead();
    const first = await agentBranch('t1', { 'README.md': 'hello from t1\n' });
    const second = await agentBranch('t2', { 'README.md': 'hello from t2\n', 'other.txt': 'fine\n' });
    const merged1 = await git.repo.merge(base, first, 'Merge t1\n\nGantry-Task: t1\n');
    if (!merged1.ok) throw new Error('first merge conflicted');

    expect(await git.repo.merge(merged1.commit, second, 'Merge t2\n\nGantry-Task: t2\n')).toEqual({ ok: false, conflicts: ['README.md'] });
  });

  it('when two branches at work change the same lines, conflictsBetween names the file before either merges; other pairs have none', async () => {
    const first = await agentBranch('t1', { 'README.md': 'hello from t1\n' });
    const second = await agentBranch('t2', { 'README.md': 'hello from t2\n', 'other.txt': 'fine\n' });
    const third = await agentBranch('t3', { 'third.txt': 'apart\n' });
    const main = await git.repo.mainHead();
    expect(await git.repo.conflictsBetween(first, second)).toEqual(['README.md']);
    expect(await git.repo.conflictsBetween(first, third)).toEqual([]);
    expect(await git.repo.mainHead()).toBe(main);
  });

  it('when main takes commits, mainCommitsSince lists them oldest first with the task each merged and the files it changed', async () => {
    const base = await git.repo.mainHead();
    const branch = await agentBranch('t1', { 'one.txt': 'one\n', 'README.md': 'changed\n' });
    const merged = await git.repo.merge(base, branch, 'Merge t1\n\nGantry-Task: t1\n');
    if (!merged.ok) throw new Error('the merge conflicted');
    expect(await git.repo.compareAndSwapMain(merged.commit, base)).toBe(true);
    expect(await git.repo.mainCommitsSince(base, merged.commit)).toEqual([{ commit: merged.commit, taskId: 't1', files: ['README.md', 'one.txt'] }]);
    expect(await git.repo.mainCommitsSince(merged.commit, merged.commit)).toEqual([]);
  });

  it('when head is base, it returns base itself instead of an empty merge', async () => {
    const base = await git.repo.mainHead();
    const tree = await plainGit(git.gitDir, ['rev-parse', `${base}^{tree}`]);

    expect(await git.repo.merge(base, base, 'Merge\n\nGantry-Task: t0\n')).toEqual({ ok: true, commit: base, tree });
  });

  it('when main is where the caller expects, the CAS moves it; with a stale expected value it returns false and leaves main alone', async () => {
    const base = await git.repo.mainHead();
    const first = await agentBranch('t1', { 'one.txt': '1\n' });
    const second = await agentBranch('t2', { 'two.txt': '2\n' });

    expect(await git.repo.compareAndSwapMain(first, base)).toBe(true);
    expect(await git.repo.mainHead()).toBe(first);
    expect(await git.repo.compareAndSwapMain(second, base)).toBe(false);
    expect(await git.repo.mainHead()).toBe(first);
  });

  it('when main stays locked by another git process, the CAS throws a retryable MERGE_RACE naming the lock', async () => {
    const base = await git.repo.mainHead();
    const first = await agentBranch('t1', { 'one.txt': '1\n' });
    await writeFile(join(git.gitDir, 'refs/heads/main.lock'), '');

    await expect(git.repo.compareAndSwapMain(first, base)).rejects.toMatchObject({
      code: 'MERGE_RACE',
      retryable: true,
      message: expect.stringContaining('main.lock'),
    });
    expect(await git.repo.mainHead()).toBe(base);
  });

  it('when a commit is exported, the directory holds its files, readable by others, even those its .gitattributes marks export-ignore', async () => {
    const head = await agentBranch('t1', {
      'src/code.ts': 'export const x = 1;\n',
      'test/x.test.ts': 'test("x", () => {});\n',
      'stamp.txt': '$Format:%H$\n',
      '.gitattributes': 'test/** export-ignore\ntest export-ignore\nstamp.txt export-subst\n',
    });
    const out = await mkdtemp(join(tmpdir(), 'gantry-export-'));
    try {
      await git.repo.exportTree(head, join(out, 'tree'));

      expect(await readFile(join(out, 'tree/src/code.ts'), 'utf8')).toBe('export const x = 1;\n');
      expect(await readFile(join(out, 'tree/test/x.test.ts'), 'utf8')).toBe('test("x", () => {});\n');
      expect(await readFile(join(out, 'tree/stamp.txt'), 'utf8')).toBe('$Format:%H$\n');
      expect(existsSync(join(out, 'tree/.git'))).toBe(false);
      // The test container runs as another uid: others must read files and enter directories.
      for (const dir of ['tree', 'tree/src']) expect(statSync(join(out, dir)).mode & 0o005).toBe(0o005);
      expect(statSync(join(out, 'tree/src/code.ts')).mode & 0o004).toBe(0o004);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
