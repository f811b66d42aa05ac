import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

describe('GitControllerRepo branch checks', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n', 'docs/guide.md': 'guide\n' });

  it('when a commit of the branch carried a large file that a later one deleted, largeFiles still names it with its size', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');
    await commitFiles(workspace.path, { 'data/big.bin': 'x'.repeat(300_000), 'data/small.txt': 'small\n' });
    await rm(join(workspace.path, 'data/big.bin'));
    await plainGit(workspace.path, ['commit', '--quiet', '-am', 'drop the big file']);
    const { head } = await git.repo.ingest(workspace);

    expect(await git.repo.largeFiles(head, 100_000)).toEqual([{ path: 'data/big.bin', bytes: 300_000 }]);
    expect(await git.repo.largeFiles(head, 300_000)).toEqual([]);
  });

  it('when the branch adds links, linksOutside names the absolute ones and those that climb out, not those inside', async () => {
    const workspace = await git.repo.workspace('t1', '1000:1000');
    await symlink('/etc/passwd', join(workspace.path, 'passwd'));
    await symlink('../../outside', join(workspace.path, 'docs/up'));
    await symlink('guide.md', join(workspace.path, 'docs/same-dir'));
    await symlink('../README.md', join(workspace.path, 'docs/readme'));
    await writeFile(join(workspace.path, 'plain.txt'), 'plain\n');
    await plainGit(workspace.path, ['add', '--all']);
    await plainGit(workspace.path, ['commit', '--quiet', '-m', 'links']);
    const { head } = await git.repo.ingest(workspace);

    expect(await git.repo.linksOutside(head)).toEqual([
      { path: 'docs/up', target: '../../outside' },
      { path: 'passwd', target: '/etc/passwd' },
    ]);
  });
});
