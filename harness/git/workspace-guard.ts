import { chown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
 * Config keys that make git run a program, read another file or repository,
 * or talk to another host: what a hostile agent plants (docs/security.md).
 */
const CODE_RUNNING_KEY = /^(core\.(fsmonitor|sshcommand|hookspath|pager|editor|askpass|gitproxy|worktree|attributesfile|excludesfile)|include\.|includeif\.|alias\.|uploadpack\.|receivepack\.|filter\.|credential\.|extensions\.|protocol\.|sequence\.editor|diff\..*\.(textconv|command)|merge\..*\.driver|remote\..*\.(uploadpack|receivepack|proxy|vcs))/;

/**
 * Makes an agent's `.git` safe for the controller's upload-pack to read. The
 * agent owns every byte of it, so: `.git` must be a real directory (a symlink
 * or a `gitdir:` file would point the controller at any repository on the
 * host), hooks and the config are replaced, and no symlink or special file may
 * remain (a symlinked `objects/` would let a branch carry another task's
 * objects; a fifo would hang the fetch). Call it only when no agent process can
 * still write the work tree: the checks and the fetch that follows are not
 * atomic against a writer. Returns what it removed that could have run code
 * or redirected git (config keys, hooks, redirecting files), for the journal.
 */
export async function neutralizeGitDir(workTree: string): Promise<string[]> {
  const tree = await lstatOrUndefined(workTree);
  if (!tree?.isDirectory()) throw unsafe(workTree, 'the work tree is missing or is not a plain directory');
  const gitDir = join(workTree, '.git');
  const git = await lstatOrUndefined(gitDir);
  if (git === undefined) throw unsafe(workTree, '.git is missing');
  if (git.isSymbolicLink()) throw unsafe(workTree, '.git is a symlink');
  if (git.isFile()) throw unsafe(workTree, '.git is a file (a gitdir: link to another repository)');
  if (!git.isDirectory()) throw unsafe(workTree, '.git is not a directory');

  const planted = await plantedIn(gitDir);
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
  return planted;
}

/**
 * What the agent put in its `.git` that runs code or redirects git: read
 * before removal, never through a link (a link is refused just after).
 */
async function plantedIn(gitDir: string): Promise<string[]> {
  const planted: string[] = [];
  const config = await lstatOrUndefined(join(gitDir, 'config'));
  if (config?.isFile()) {
    for (const key of configKeys(await readFile(join(gitDir, 'config'), 'utf8'))) {
      if (CODE_RUNNING_KEY.test(key)) planted.push(`${key} in .git/config`);
    }
  }
  const hooks = await lstatOrUndefined(join(gitDir, 'hooks'));
  if (hooks?.isDirectory()) {
    for (const hook of await readdir(join(gitDir, 'hooks'))) if (!hook.endsWith('.sample')) planted.push(`hook ${hook}`);
  }
  for (const file of REDIRECTING_FILES) {
    if ((await lstatOrUndefined(join(gitDir, file))) !== undefined) planted.push(`.git/${file}`);
  }
  return planted;
}

/** Every key of a git config file as `section[.subsection].name`, lower-cased, in order (duplicates kept once). */
export function configKeys(text: string): string[] {
  const keys = new Set<string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      section = header[2] === undefined ? (header[1] ?? '').toLowerCase() : `${(header[1] ?? '').toLowerCase()}.${header[2]}`;
      continue;
    }
    const key = /^([A-Za-z][A-Za-z0-9-]*)\s*(=|$)/.exec(line);
    if (key && section) keys.add(`${section}.${(key[1] ?? '').toLowerCase()}`);
  }
  return [...keys];
}

/**
 * Makes `path`, inside a work tree the agent controls, a real directory before
 * the controller writes into it: a symlink planted there (`.gantry -> /root`)
 * would send the controller's writes, deletions and chowns to the host. A new
 * one belongs to whoever owns its parent (the agent's uid), so the agent can
 * still write in it.
 */
export async function realDirectory(path: string): Promise<void> {
  const found = await lstatOrUndefined(path);
  if (found?.isDirectory()) return;
  // rm on a link removes the link, never what it points to.
  if (found !== undefined) await rm(path, { force: true });
  await mkdir(path);
  const parent = await lstat(dirname(path));
  await chown(path, parent.uid, parent.gid);
}

/**
 * Removes the lock files a git command leaves when it is killed mid-way (a
 * session stopped during `git commit`): each would make every later git
 * command in the work tree fail. Call it only when no agent process runs in
 * the work tree, so that every lock there is stale. Returns the locks removed,
 * relative to `.git`; links are never followed (a `.git` or `refs` that is not
 * a real directory is left to neutralizeGitDir to refuse).
 */
export async function clearStaleLocks(workTree: string): Promise<string[]> {
  const gitDir = join(workTree, '.git');
  if (!(await lstatOrUndefined(gitDir))?.isDirectory()) return [];
  const removed: string[] = [];
  const pending = [gitDir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      // Locks sit at the top of .git (index, HEAD, config, packed-refs) and beside the refs they guard.
      if (entry.isDirectory() && (entry.name === 'refs' || current !== gitDir)) pending.push(path);
      else if (entry.isFile() && entry.name.endsWith('.lock')) {
        await rm(path, { force: true });
        removed.push(relative(gitDir, path));
      }
    }
  }
  return removed;
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
