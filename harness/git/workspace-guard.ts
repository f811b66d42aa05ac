import { chown, lstat, readdir, rm, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { GitError } from '../errors.ts';

/**
 * The whole of `.git/config` after the controller has rewritten it. Anything
 * an agent put there (core.fsmonitor, core.sshCommand, include.path,
 * uploadpack.*, extensions) is gone before git reads the repository.
 */
const CANONICAL_CONFIG = [
  '[core]',
  '\trepositoryformatversion = 0',
  '\tfilemode = true',
  '\tbare = false',
  '\tlogallrefupdates = true',
  '',
].join('\n');

/**
 * Files that make git read objects, history or attributes from somewhere
 * else, or run a program, whatever the config says.
 */
const REDIRECTING_FILES = [
  'objects/info/alternates',
  'objects/info/http-alternates',
  'info/attributes',
  'info/grafts',
  'commondir',
];

/**
 * Makes an agent's `.git` safe for the controller's upload-pack to read. The
 * agent owns every byte of it, so: `.git` must be a real directory (a symlink
 * or a `gitdir:` file would point the controller at any repository on the
 * host), hooks and the config are replaced, and no symlink or special file may
 * remain (a symlinked `objects/` would let a branch carry another task's
 * objects; a fifo would hang the fetch). Call it only when no agent process can
 * still write the work tree: the checks and the fetch that follows are not
 * atomic against a writer.
 */
export async function neutralizeGitDir(workTree: string): Promise<void> {
  const tree = await lstatOrUndefined(workTree);
  if (!tree?.isDirectory()) throw unsafe(workTree, 'the work tree is missing or is not a plain directory');
  const gitDir = join(workTree, '.git');
  const git = await lstatOrUndefined(gitDir);
  if (git === undefined) throw unsafe(workTree, '.git is missing');
  if (git.isSymbolicLink()) throw unsafe(workTree, '.git is a symlink');
  if (git.isFile()) throw unsafe(workTree, '.git is a file (a gitdir: link to another repository)');
  if (!git.isDirectory()) throw unsafe(workTree, '.git is not a directory');

  // Both sit directly in a directory just checked to be real, so removing
  // them cannot follow a link out of the work tree.
  await rm(join(gitDir, 'hooks'), { recursive: true, force: true });
  await rm(join(gitDir, 'config'), { recursive: true, force: true });

  const offending = await findLinksAndSpecialFiles(gitDir);
  if (offending !== undefined) throw unsafe(workTree, `.git holds ${offending}`);

  for (const file of REDIRECTING_FILES) await rm(join(gitDir, file), { recursive: true, force: true });
  // 'wx' (O_CREAT|O_EXCL) never follows a symlink planted after the removal.
  await writeFile(join(gitDir, 'config'), CANONICAL_CONFIG, { flag: 'wx', mode: 0o644 });
  await chown(join(gitDir, 'config'), git.uid, git.gid);
}

/** The first entry under `dir` that is neither a regular file nor a directory, described; undefined if none. */
async function findLinksAndSpecialFiles(dir: string): Promise<string | undefined> {
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) return `a symlink at ${path}`;
      else if (!entry.isFile()) return `a special file at ${path}`;
    }
  }
  return undefined;
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function unsafe(workTree: string, reason: string): GitError {
  return new GitError(
    'UNSAFE_WORKSPACE',
    `Refusing to ingest ${workTree}: ${reason}. The agent's commits there cannot be fetched safely; ` +
      'archive the task or recreate its work tree.',
    { data: { workTree, reason } },
  );
}
