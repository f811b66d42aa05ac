import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../harness/git/index.ts';
import { useControllerRepo } from '../helpers/controller-repo.ts';
import { commitFiles, plainGit } from '../helpers/git-fixture.ts';

/** Every hook git could run on either side of a fetch, and a few more. */
const HOOKS = [
  'post-checkout', 'reference-transaction', 'pre-auto-gc', 'fsmonitor-watchman', 'post-merge', 'post-update',
  'update', 'pre-receive', 'post-receive', 'push-to-checkout', 'pre-push', 'pre-commit', 'post-commit',
  'post-rewrite', 'post-index-change', 'proc-receive',
];

describe('GitControllerRepo ingest of a hostile work tree', () => {
  const git = useControllerRepo({ 'README.md': 'hello\n' });
  let trapDir: string;
  let pwned: string;
  let workspace: Workspace;
  let agentHead: string;

  /** Arms the work tree the way a hostile agent could: every path by which git might run its code. */
  async function plantTraps(workTree: string): Promise<void> {
    const payload = join(trapDir, 'payload.sh');
    await writeFile(payload, `#!/bin/sh\necho "$0 $*" >> ${pwned}\nexit 0\n`);
    await chmod(payload, 0o755);
    const gitDir = join(workTree, '.git');
    await mkdir(join(gitDir, 'hooks'), { recursive: true });
    await mkdir(join(trapDir, 'hooks'), { recursive: true });
    for (const hook of HOOKS) {
      for (const dir of [join(gitDir, 'hooks'), join(trapDir, 'hooks')]) {
        await writeFile(join(dir, hook), `#!/bin/sh\nexec ${payload} ${hook}\n`);
        await chmod(join(dir, hook), 0o755);
      }
    }
    await writeFile(join(trapDir, 'included.config'), `[core]\n\tfsmonitor = ${payload}\n`);
    await appendFile(join(gitDir, 'config'), [
      '[core]',
      `\tfsmonitor = ${payload}`,
      `\thooksPath = ${join(trapDir, 'hooks')}`,
      `\tsshCommand = ${payload}`,
      `\taskPass = ${payload}`,
      '[uploadpack]',
      `\tpackObjectsHook = ${payload}`,
      '[include]',
      `\tpath = ${join(trapDir, 'included.config')}`,
      '',
    ].join('\n'));
    await writeFile(join(gitDir, 'objects/info/alternates'), `${join(git.upstream.dir, 'objects')}\n`);
    await writeFile(join(gitDir, 'info/attributes'), '* filter=evil\n');
  }

  async function incomingRefs(): Promise<string> {
    return plainGit(git.gitDir, ['for-each-ref', 'refs/gantry/incoming/']);
  }

  beforeEach(async () => {
    trapDir = join(tmpdir(), `gantry-trap-${randomUUID()}`);
    await mkdir(trapDir);
    pwned = join(trapDir, 'pwned');
    workspace = await git.repo.workspace('t1', '1000:1000');
    agentHead = await commitFiles(workspace.path, { 'feature.txt': 'feature\n' }, 'agent work');
  });

  afterEach(async () => {
    await rm(trapDir, { recursive: true, force: true });
  });

  it('when plain git runs in the armed work tree, the traps fire (so the next case can fail)', async () => {
    await plantTraps(workspace.path);

    await plainGit(workspace.path, ['status']);
    await plainGit(workspace.path, ['update-ref', 'refs/heads/probe', 'HEAD']);

    expect(await readFile(pwned, 'utf8')).toMatch(/payload|reference-transaction/);
  });

  it('when .git/config and hooks try to run code, ingest still gets the commits and nothing the agent planted runs', async () => {
    await plantTraps(workspace.path);

    const result = await git.repo.ingest(workspace);
    expect(result).toEqual({ head: agentHead, ahead: 1, files: ['feature.txt'], planted: expect.arrayContaining([
      'core.fsmonitor in .git/config', 'core.hookspath in .git/config', 'core.sshcommand in .git/config', 'core.askpass in .git/config',
      'uploadpack.packobjectshook in .git/config', 'include.path in .git/config', ...HOOKS.map((hook) => `hook ${hook}`),
    ]) });

    // The rest of the branch's way through the controller must not run anything either.
    const merged = await git.repo.merge(await git.repo.mainHead(), result.head, 'Merge t1\n\nGantry-Task: t1\n');
    if (!merged.ok) throw new Error('merge conflicted');
    await git.repo.exportTree(merged.commit, join(git.stateDir, 'export'));
    await git.repo.ingest(workspace);

    const gitDir = join(workspace.path, '.git');
    expect(await readFile(join(gitDir, 'config'), 'utf8')).not.toMatch(/fsmonitor|hooksPath|include|sshCommand|uploadpack/i);
    expect(lstatSync(join(gitDir, 'config')).uid).toBe(1000);
    expect(existsSync(join(gitDir, 'hooks'))).toBe(false);
    expect(existsSync(join(gitDir, 'objects/info/alternates'))).toBe(false);
    expect(existsSync(join(gitDir, 'info/attributes'))).toBe(false);

    expect(await git.repo.archive(workspace, 'merged')).toBe('refs/gantry/archive/t1/1');
    expect(existsSync(pwned)).toBe(false);
  });

  it('when .git/config is a symlink to a file outside, ingest replaces the link and never writes through it', async () => {
    const victim = join(trapDir, 'victim.config');
    const original = await readFile(join(workspace.path, '.git/config'), 'utf8');
    await writeFile(victim, original);
    await rm(join(workspace.path, '.git/config'));
    await symlink(victim, join(workspace.path, '.git/config'));

    expect((await git.repo.ingest(workspace)).head).toBe(agentHead);
    expect(await readFile(victim, 'utf8')).toBe(original);
    expect(lstatSync(join(workspace.path, '.git/config')).isFile()).toBe(true);
  });

  it.each([
    {
      name: '.git is a symlink to another repository',
      arm: async (workTree: string) => {
        await rename(join(workTree, '.git'), join(trapDir, 'real.git'));
        await symlink(join(trapDir, 'real.git'), join(workTree, '.git'));
      },
    },
    {
      name: '.git is a gitdir: file',
      arm: async (workTree: string) => {
        await rename(join(workTree, '.git'), join(trapDir, 'real.git'));
        await writeFile(join(workTree, '.git'), `gitdir: ${join(trapDir, 'real.git')}\n`);
      },
    },
    {
      name: '.git/objects is a symlink to objects elsewhere',
      arm: async (workTree: string) => {
        await rename(join(workTree, '.git/objects'), join(trapDir, 'objects'));
        await symlink(join(trapDir, 'objects'), join(workTree, '.git/objects'));
      },
    },
    {
      name: '.git holds a fifo that would hang the fetch',
      arm: async (workTree: string) => {
        await rm(join(workTree, '.git/packed-refs'), { force: true });
        await execa('mkfifo', [join(workTree, '.git/packed-refs')]);
      },
    },
  ])('when $name, ingest refuses with UNSAFE_WORKSPACE and fetches nothing', async ({ arm }) => {
    await arm(workspace.path);

    await expect(git.repo.ingest(workspace)).rejects.toMatchObject({ code: 'UNSAFE_WORKSPACE', retryable: false });
    expect(await incomingRefs()).toBe('');
    expect(readdirSync(trapDir)).not.toContain('pwned');
  });

  it('when the work tree turned unsafe after an earlier ingest, archive keeps what was ingested and removes the tree', async () => {
    await git.repo.ingest(workspace);
    await rename(join(workspace.path, '.git'), join(trapDir, 'real.git'));
    await symlink(join(trapDir, 'real.git'), join(workspace.path, '.git'));

    const ref = await git.repo.archive(workspace, 'abandoned: unsafe work tree');

    expect(ref).toBe('refs/gantry/archive/t1/1');
    expect(await plainGit(git.gitDir, ['rev-parse', `${ref}^{commit}`])).toBe(agentHead);
    expect(existsSync(workspace.path)).toBe(false);
    expect(existsSync(join(trapDir, 'real.git'))).toBe(true);
  });
});
