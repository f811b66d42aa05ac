import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { runGit } from './safe-git.ts';
import type { ControllerRepo } from './types.ts';

/**
 * Trusted files are the tests and test configuration (gate.trusted globs).
 * The gate judges every branch with main's copies of them, so an agent cannot
 * weaken the tests that judge it; test files it adds do run.
 */

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Whether a repository-relative path is trusted. Dot-files count (`.github/...`, `test/.fixtures/...`). */
export function trustedMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}

export interface OverlayOptions {
  /** Main's commit, whose trusted files replace the tree's. */
  mainCommit: string;
  /** A commit's tree as exportTree wrote it. */
  treeDir: string;
  globs: readonly string[];
}

/**
 * Makes every trusted path in `treeDir` main's copy: changed files are
 * overwritten, deleted ones restored, and a symlink, file or directory the
 * branch put in the way is removed first (nothing is ever written through a
 * link). Trusted files main does not have are the branch's new tests and
 * stay. Main's copies come from `repo.exportTree`, the same path the tested
 * tree took, so content and modes match byte for byte. Returns the paths
 * written, sorted.
 */
export async function overlayTrusted(repo: Pick<ControllerRepo, 'exportTree'>, options: OverlayOptions): Promise<string[]> {
  if (options.globs.length === 0) return [];
  const matches = trustedMatcher(options.globs);
  // Beside the tree: on its file system, inside the directory its owner cleans up.
  const staging = await mkdtemp(join(dirname(options.treeDir), '.trusted-'));
  try {
    await repo.exportTree(options.mainCommit, staging);
    const trusted = (await filesUnder(staging)).filter(matches);
    for (const path of trusted) await placeFile(staging, options.treeDir, path);
    return trusted;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export type TrustedChangeKind = 'modified' | 'deleted' | 'renamed' | 'mode' | 'type';

export interface TrustedChange {
  /** The trusted path as main has it. */
  path: string;
  kind: TrustedChangeKind;
  /** Where a renamed file went. */
  to?: string;
}

export interface TrustedChanges {
  /** Trusted files main has that the branch changes: what gate.testChanges decides about. */
  changed: TrustedChange[];
  /** Trusted paths the branch adds (new tests): not a change to trusted content. */
  added: string[];
}

/** The trusted files `head` changes or adds since its merge base with `base`. */
export async function changedTrustedPaths(gitDir: string, options: { base: string; head: string; globs: readonly string[] }): Promise<TrustedChanges> {
  const matches = trustedMatcher(options.globs);
  const mergeBase = await runGit(['merge-base', options.base, options.head], { cwd: gitDir, okExitCodes: [1] });
  const from = mergeBase.exitCode === 0 ? mergeBase.stdout.trim() : EMPTY_TREE;
  const diff = await runGit(['diff', '--raw', '-z', '--find-renames', '--no-abbrev', from, options.head], { cwd: gitDir });
  const result: TrustedChanges = { changed: [], added: [] };
  for (const change of parseRawDiff(diff.stdout)) {
    const { status, path, to } = change;
    if (status === 'A' || status === 'C') {
      const added = to ?? path;
      if (matches(added)) result.added.push(added);
      continue;
    }
    if (status === 'R' && to !== undefined && matches(to)) result.added.push(to);
    if (!matches(path)) continue;
    if (status === 'R') result.changed.push({ path, kind: 'renamed', to: to ?? path });
    else if (status === 'D') result.changed.push({ path, kind: 'deleted' });
    else if (status === 'T') result.changed.push({ path, kind: 'type' });
    else result.changed.push({ path, kind: change.srcOid === change.dstOid ? 'mode' : 'modified' });
  }
  result.changed.sort((a, b) => a.path.localeCompare(b.path));
  result.added.sort();
  return result;
}

/** Every file and symlink under `root`, as `/`-separated relative paths, sorted. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function placeFile(from: string, treeDir: string, path: string): Promise<void> {
  const source = join(from, path);
  const target = join(treeDir, path);
  await makeRealDirectories(treeDir, dirname(path));
  // rm removes a link itself, never what it points at.
  await rm(target, { recursive: true, force: true });
  if ((await lstat(source)).isSymbolicLink()) {
    await symlink(await readlink(source), target);
    return;
  }
  // EXCL: fails rather than follow anything that appeared at the path since; the mode is copied too.
  await copyFile(source, target, constants.COPYFILE_EXCL);
}

/** Each directory from `root` down to `subdir` is made a real directory, replacing links and files in the way. */
async function makeRealDirectories(root: string, subdir: string): Promise<void> {
  let current = root;
  for (const part of subdir.split('/').filter((p) => p !== '' && p !== '.')) {
    current = join(current, part);
    const stat = await lstat(current).catch(() => undefined);
    if (stat?.isDirectory()) continue;
    if (stat !== undefined) await rm(current, { force: true });
    await mkdir(current);
  }
}

interface RawChange {
  status: string;
  srcOid: string;
  dstOid: string;
  path: string;
  /** Destination of a rename or copy. */
  to?: string;
}

/** `git diff --raw -z`: `:srcMode dstMode srcOid dstOid STATUS\0path\0[to\0]`. */
function parseRawDiff(output: string): RawChange[] {
  const fields = output.split('\0');
  const changes: RawChange[] = [];
  for (let i = 0; i < fields.length; ) {
    const header = fields[i] ?? '';
    i += 1;
    if (!header.startsWith(':')) continue;
    const [, , srcOid = '', dstOid = '', score = ''] = header.slice(1).split(' ');
    const status = score.charAt(0);
    const path = fields[i] ?? '';
    i += 1;
    if (status === 'R' || status === 'C') {
      changes.push({ status, srcOid, dstOid, path, to: fields[i] ?? '' });
      i += 1;
    } else {
      changes.push({ status, srcOid, dstOid, path });
    }
  }
  return changes;
}
