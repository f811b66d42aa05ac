import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export interface Upstream {
  /** What to give gantry as the upstream (`file://` URL of `dir`). */
  url: string;
  /** The bare repository on disk. */
  dir: string;
  /** Commits `files` on top of the upstream's main and pushes, as another developer would. */
  commit(files: Record<string, string>, message?: string): Promise<string>;
  /** The upstream's main. */
  head(): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * git as a developer or an agent runs it: no system or global config, a fixed
 * identity, and any owner accepted (tests run as root in trees owned by 1000).
 */
export async function plainGit(cwd: string, args: readonly string[]): Promise<string> {
  const result = await execa('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    env: {
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'agent',
      GIT_AUTHOR_EMAIL: 'agent@example.test',
      GIT_COMMITTER_NAME: 'agent',
      GIT_COMMITTER_EMAIL: 'agent@example.test',
    },
  });
  return result.stdout.trim();
}

/** Writes `files` into the work tree at `dir`, commits them and returns the commit. */
export async function commitFiles(dir: string, files: Record<string, string>, message = 'change'): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await plainGit(dir, ['add', '--all']);
  await plainGit(dir, ['commit', '--quiet', '-m', message]);
  return plainGit(dir, ['rev-parse', 'HEAD']);
}

/** A bare upstream repository whose main holds `files` in one commit. */
export async function makeUpstream(options: { files: Record<string, string>; main?: string }): Promise<Upstream> {
  const main = options.main ?? 'main';
  const root = await mkdtemp(join(tmpdir(), 'gantry-upstream-'));
  const dir = join(root, 'upstream.git');
  const seed = join(root, 'seed');
  await plainGit(root, ['init', '--quiet', '--bare', '--initial-branch', main, dir]);
  await plainGit(root, ['init', '--quiet', '--initial-branch', main, seed]);
  await commitFiles(seed, options.files, 'initial');
  await plainGit(seed, ['push', '--quiet', dir, `HEAD:refs/heads/${main}`]);
  return {
    url: `file://${dir}`,
    dir,
    async commit(files, message = 'upstream change') {
      await plainGit(seed, ['fetch', '--quiet', dir, main]);
      await plainGit(seed, ['reset', '--quiet', '--hard', 'FETCH_HEAD']);
      const commit = await commitFiles(seed, files, message);
      await plainGit(seed, ['push', '--quiet', dir, `HEAD:refs/heads/${main}`]);
      return commit;
    },
    head: () => plainGit(dir, ['rev-parse', main]),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A fresh absolute directory for a controller's state; remove it with `rm`. */
export function makeStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'gantry-state-'));
}
