import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearStaleLocks } from '../../harness/git/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('GitControllerRepo work trees', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n', 'src/a.ts': 'export const a = 1;\n' });

  it('when a task has no work tree, it clones main onto gantry/<id> as an independent tree owned by the agent uid', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');

    expect(workspace).toEqual({ taskId: 't1', branch: 'gantry/t1', path: join(git.stateDir, 'work', 't1') });
    expect(await plainGit(workspace.path, ['symbolic-ref', '--short', 'HEAD'])).toBe('gantry/t1');
    expect(await plainGit(workspace.path, ['rev-parse', 'HEAD'])).toBe(await git.upstream.head());
    expect(await readFile(join(workspace.path, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    const files = filesUnder(workspace.path);
    expect(files.length).toBeGreaterThan(5);
    for (const file of [workspace.path, ...files]) {
      const stats = statSync(file);
      expect({ file, uid: stats.uid, gid: stats.gid }).toEqual({ file, uid: 1000, gid: 1000 });
    }
    // Nothing shared with the controller's object store: no alternates, no hardlinks.
    expect(existsSync(join(workspace.path, '.git/objects/info/alternates'))).toBe(false);
    for (const file of filesUnder(join(workspace.path, '.git/objects'))) expect(statSync(file).nlink).toBe(1);
  });

  it('when a killed git command left its locks, clearStaleLocks removes them (and only them) so that the next commit works', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');
    await commitFiles(workspace.path, { 'notes.md': 'one\n' });
    await writeFile(join(workspace.path, '.git/index.lock'), '');
    await writeFile(join(workspace.path, '.git/refs/heads/gantry/t1.lock'), '');
    await writeFile(join(workspace.path, 'kept.lock'), 'a file of the project, not a lock of git\n');
    await expect(commitFiles(workspace.path, { 'notes.md': 'two\n' })).rejects.toThrow(/index\.lock/);

    expect((await clearStaleLocks(workspace.path)).sort()).toEqual(['index.lock', 'refs/heads/gantry/t1.lock']);

    const next = await commitFiles(workspace.path, { 'notes.md': 'two\n' });
    expect(await plainGit(workspace.path, ['rev-parse', 'gantry/t1'])).toBe(next);
    expect(existsSync(join(workspace.path, 'kept.lock'))).toBe(true);
  });

  it('when the work tree exists, it reuses it and keeps the agent commits', async () => {
    const first = await git.repo.workspace('t1', '1000:1000');
    const agentCommit = await commitFiles(first.path, { 'notes.md': 'work in progress\n' });

    const again = await git.repo.workspace('t1', '1000:1000');

    expect(again).toEqual(first);
    expect(await plainGit(again.path, ['rev-parse', 'HEAD'])).toBe(agentCommit);
    expect(await readFile(join(again.path, 'notes.md'), 'utf8')).toBe('work in progress\n');
  });

  it('when the agent committed, ingest brings its commits into the controller clone with ahead and files', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');
    await commitFiles(workspace.path, { 'src/b.ts': 'export const b = 2;\n' }, 'add b');
    const head = await commitFiles(workspace.path, { 'src/a.ts': 'export const a = 10;\n' }, 'change a');

    const result = await git.repo.ingest(workspace);

    expect(result).toEqual({ head, ahead: 2, files: ['src/a.ts', 'src/b.ts'], planted: [] });
    expect(await plainGit(git.gitDir, ['rev-parse', 'refs/gantry/incoming/t1'])).toBe(head);
    expect(await git.repo.isAncestor(await git.repo.mainHead(), head)).toBe(true);
  });

  it('when a task with commits is archived, it keeps them under refs/gantry/archive/<id>/<n> with the outcome and removes the work tree', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');
    const ingested = await commitFiles(workspace.path, { 'x.txt': 'x\n' });
    await git.repo.ingest(workspace);
    // Committed after the last ingest: archive must pick it up too.
    const last = await commitFiles(workspace.path, { 'y.txt': 'y\n' });

    const ref = await git.repo.archive(workspace, 'abandoned: tests kept failing');

    expect(ref).toBe('refs/gantry/archive/t1/1');
    expect(await plainGit(git.gitDir, ['rev-parse', `${ref}^{commit}`])).toBe(last);
    expect(await plainGit(git.gitDir, ['rev-parse', `${ref}^{commit}~1`])).toBe(ingested);
    expect(await plainGit(git.gitDir, ['cat-file', '-p', ref!])).toContain('abandoned: tests kept failing');
    expect(await plainGit(git.gitDir, ['for-each-ref', 'refs/gantry/incoming/'])).toBe('');
    expect(existsSync(workspace.path)).toBe(false);

    const retry = await git.repo.workspace('t1', '1000:1000');
    const retried = await commitFiles(retry.path, { 'z.txt': 'z\n' });
    expect(await git.repo.archive(retry, 'abandoned again')).toBe('refs/gantry/archive/t1/2');
    expect(await plainGit(git.gitDir, ['rev-parse', 'refs/gantry/archive/t1/2^{commit}'])).toBe(retried);
    expect(await plainGit(git.gitDir, ['rev-parse', 'refs/gantry/archive/t1/1^{commit}'])).toBe(last);
  });

  it('when the agent made no commits, archive returns undefined and still removes the work tree', async () => {
    const workspace = await git.repo.workspace('t2', '1000:1000');

    expect(await git.repo.archive(workspace, 'merged')).toBeUndefined();
    expect(existsSync(workspace.path)).toBe(false);
    expect(await plainGit(git.gitDir, ['for-each-ref', 'refs/gantry/archive/', 'refs/gantry/incoming/'])).toBe('');
  });

  it('when a task id could climb out of the work directory, it throws TASK_INVALID', async () => {
    await expect(git.repo.workspace('../escape', '1000:1000')).rejects.toMatchObject({ code: 'TASK_INVALID' });
    await expect(git.repo.workspace('a/b', '1000:1000')).rejects.toMatchObject({ code: 'TASK_INVALID' });
  });
});
