import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { execa } from 'execa';
import { GitError, isGantryError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { writeArchiveRef } from './archive-ref.ts';
import { taskBranch } from './task-branch.ts';
import { gitFailure, runGit, type GitCallOptions, type GitOutput } from './safe-git.ts';
import type { BranchBlob, ControllerRepo, IngestResult, MainCommit, MergeResult, UpstreamAccess, UpstreamCredentials, Workspace } from './types.ts';
import { neutralizeGitDir, realDirectory } from './workspace-guard.ts';

export interface GitControllerRepoOptions {
  /** Path or URL of the repository whose main gantry merges into. */
  upstream: string;
  /** Name of the main branch. */
  main: string;
  /** Absolute directory for the controller's clone (`repo.git`) and the work trees (`work/`). */
  stateDir: string;
  /** The token each call to the upstream carries, when the upstream asks for one (`gantry upstream serve`). */
  credentials?: UpstreamCredentials;
  logger?: Logger;
}

const NETWORK_TIMEOUT_MS = 10 * 60_000;
const REF_LOCK_WAIT_MS = 2_000;
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** Last upstream main seen: lets syncMain tell a rewritten upstream from unpushed merges. */
const UPSTREAM_MAIN = 'refs/gantry/upstream/main';
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const OWNER = /^\d+(:\d+)?$/;
/**
 * The agent's repository is read by this upload-pack, not by one its config
 * chooses. `-c` given to fetch does not reach it (a local transport clears
 * GIT_CONFIG_PARAMETERS), so its settings are spelled out here; safe.directory
 * because the work tree belongs to the agent's uid, not the controller's.
 */
const UPLOAD_PACK = "git -c core.fsmonitor=false -c core.hooksPath=/dev/null -c safe.directory='*' upload-pack";
/**
 * Overrides any export-ignore / export-subst in the archived tree's own
 * .gitattributes: an agent must not be able to hide files from, or rewrite
 * files in, the tree the gate tests.
 */
const EXPORT_ATTRIBUTES = '* -export-ignore -export-subst\n';

export class GitControllerRepo implements ControllerRepo {
  readonly #upstream: string;
  readonly #main: string;
  readonly #mainRef: string;
  readonly #stateDir: string;
  readonly #repoDir: string;
  readonly #workRoot: string;
  readonly #log: Logger;
  readonly #credentials: UpstreamCredentials | undefined;
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: GitControllerRepoOptions) {
    if (!isAbsolute(options.stateDir)) {
      throw new GitError('CONFIG_INVALID', `stateDir must be an absolute path, got ${options.stateDir}: give the state directory as an absolute path`);
    }
    // A relative local path would be read against the clone's directory.
    this.#upstream = isAbsolute(options.upstream) || options.upstream.includes(':') ? options.upstream : resolve(options.upstream);
    this.#main = options.main;
    this.#mainRef = `refs/heads/${options.main}`;
    this.#stateDir = options.stateDir;
    this.#repoDir = join(options.stateDir, 'repo.git');
    this.#workRoot = join(options.stateDir, 'work');
    this.#log = (options.logger ?? silentLogger).child({ component: 'git' });
    this.#credentials = options.credentials;
  }

  /** Options of a call that talks to the upstream: a longer time limit, unreachable told apart, the token for `access`. */
  async #network(access: UpstreamAccess): Promise<Partial<GitCallOptions>> {
    const bearer = await this.#credentials?.(access);
    return { upstream: this.#upstream, timeoutMs: NETWORK_TIMEOUT_MS, ...(bearer === undefined ? {} : { bearer }) };
  }

  async ensureClone(): Promise<void> {
    await mkdir(this.#workRoot, { recursive: true });
    if (!existsSync(join(this.#repoDir, 'HEAD'))) await this.#cloneUpstream();
    await mkdir(join(this.#repoDir, 'info'), { recursive: true });
    await writeFile(join(this.#repoDir, 'info', 'attributes'), EXPORT_ATTRIBUTES);
  }

  /**
   * One at a time in this process: several worker slots start tasks at once,
   * and two fetches moving the same ref fail each other.
   */
  syncMain(): Promise<string> {
    const synced = this.#syncing.then(() => this.#syncMain());
    this.#syncing = synced.then(() => undefined, () => undefined);
    return synced;
  }

  async #syncMain(): Promise<string> {
    let fetched = await this.#fetchMain();
    // Another process sharing this clone moved the ref between git's read and its write: look again.
    for (let retry = 0; retry < 5 && fetched.exitCode === 1 && /cannot lock ref .* but expected/.test(fetched.stderr); retry += 1) fetched = await this.#fetchMain();
    if (fetched.exitCode === 1) {
      throw new GitError(
        'GIT_FAILED',
        `The upstream's ${this.#main} at ${this.#upstream} is no longer a descendant of the ${this.#main} gantry last fetched ` +
          `(history was rewritten): ${fetched.stderr.trim()}. Restore the upstream's history, or accept the rewrite with ` +
          `\`git -C ${this.#repoDir} update-ref -d ${UPSTREAM_MAIN}\` and sync again.`,
        { data: { upstream: this.#upstream } },
      );
    }
    const upstream = await this.#resolve(UPSTREAM_MAIN);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const local = await this.mainHead();
      if (local === upstream || (await this.isAncestor(upstream, local))) return local;
      if (!(await this.isAncestor(local, upstream))) await this.#keepUnpushed(local, upstream);
      if (await this.compareAndSwapMain(upstream, local)) return upstream;
    }
    throw new GitError('MERGE_RACE', `${this.#main} in ${this.#repoDir} kept moving while syncing with the upstream; sync again.`, {
      retryable: true,
    });
  }

  async #fetchMain(): Promise<GitOutput> {
    return this.#git(['fetch', '--no-tags', '--no-write-fetch-head', this.#upstream, `${this.#mainRef}:${UPSTREAM_MAIN}`], {
      ...(await this.#network({ kind: 'read' })),
      okExitCodes: [1],
    });
  }

  async mainHead(): Promise<string> {
    return this.#resolve(this.#mainRef);
  }

  async workspace(taskId: string, owner: string): Promise<Workspace> {
    checkTaskId(taskId);
    if (!OWNER.test(owner)) throw new GitError('TASK_INVALID', `Work tree owner must be uid or uid:gid, got "${owner}"`);
    const workspace: Workspace = { taskId, branch: taskBranch(taskId), path: join(this.#workRoot, taskId) };
    // Reused without running git in it: the agent may have changed anything,
    // so its .git is made safe before the controller writes anything there.
    if (existsSync(workspace.path)) {
      this.#log.info({ taskId, path: workspace.path }, 'reusing work tree');
      await neutralizeGitDir(workspace.path);
      await this.#handMain(workspace, owner);
      return workspace;
    }
    // Built aside and renamed into place, so a crash never leaves a half-made work tree to be reused.
    const staging = join(this.#workRoot, `.${taskId}.${randomUUID()}`);
    try {
      await this.#git(['clone', '--quiet', '--no-hardlinks', '--single-branch', '--branch', this.#main, this.#repoDir, staging]);
      await runGit(['switch', '--quiet', '--create', workspace.branch], { cwd: staging });
      await chownTree(staging, owner);
      await rename(staging, workspace.path);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    this.#log.info({ taskId, path: workspace.path, owner }, 'created work tree');
    return workspace;
  }

  /**
   * Puts current main beside a reused work tree as a bundle
   * (`.gantry/main.bundle`), so the agent can bring its branch up to date
   * (`gantry-agent sync`) without the controller ever running git in the
   * agent's repository. Only what the last ingest lacks is bundled.
   */
  async #handMain(workspace: Workspace, owner: string): Promise<void> {
    const dir = join(workspace.path, '.gantry');
    const bundle = join(dir, 'main.bundle');
    await realDirectory(dir);
    await rm(bundle, { force: true });
    const known = await this.#resolveOptional(incomingRef(workspace.taskId));
    const main = `refs/heads/${this.#main}`;
    if (known && (await this.isAncestor(await this.mainHead(), known))) return;
    await this.#git(['bundle', 'create', '--quiet', bundle, main, ...(known ? [`^${known}`] : [])]);
    await chownTree(dir, owner);
  }

  async ingest(workspace: Workspace): Promise<IngestResult> {
    checkTaskId(workspace.taskId);
    const planted = await neutralizeGitDir(workspace.path);
    const incoming = incomingRef(workspace.taskId);
    await this.#git([
      '-c', 'safe.directory=*',
      '-c', 'fetch.fsckObjects=true',
      'fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head',
      '--upload-pack', UPLOAD_PACK,
      join(workspace.path, '.git'),
      `+refs/heads/${workspace.branch}:${incoming}`,
    ]);
    const head = await this.#resolve(incoming);
    const [ahead, files] = await Promise.all([this.#countAhead(head), this.#changedFiles(head)]);
    this.#log.info({ taskId: workspace.taskId, head, ahead, files: files.length }, 'ingested task branch');
    return { head, ahead, files, planted };
  }

  async largeFiles(head: string, maxBytes: number): Promise<BranchBlob[]> {
    const objects = await this.#git(['rev-list', '--objects', '--no-object-names', `${this.#mainRef}..${head}`, '--']);
    if (objects.stdout.trim() === '') return [];
    // Sizes first, without names: a path is looked up only for the few that are too large.
    const sizes = await this.#git(['cat-file', '--batch-check=%(objecttype) %(objectsize) %(objectname)'], { input: objects.stdout });
    const large = sizes.stdout.split('\n').map((line) => line.split(' ')).filter(([type, bytes]) => type === 'blob' && Number(bytes) > maxBytes);
    if (large.length === 0) return [];
    const named = await this.#git(['rev-list', '--objects', `${this.#mainRef}..${head}`, '--']);
    const pathOf = new Map(named.stdout.split('\n').map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
    return large.map(([, bytes = '0', object = '']) => ({ path: pathOf.get(object) ?? object, bytes: Number(bytes) }));
  }

  async linksOutside(head: string): Promise<Array<{ path: string; target: string }>> {
    const base = await this.#mergeBase(head);
    const raw = await this.#git(['diff', '--raw', '-z', '--no-renames', '--diff-filter=AMT', base, head]);
    const fields = raw.stdout.split('\0');
    const links: Array<{ path: string; target: string }> = [];
    for (let at = 0; at + 1 < fields.length; at += 2) {
      const [, newMode, , blob] = (fields[at] ?? '').split(' ');
      const path = fields[at + 1] ?? '';
      if (newMode !== '120000' || blob === undefined) continue;
      const target = (await this.#git(['cat-file', 'blob', blob])).stdout;
      if (isAbsolute(target) || posix.normalize(posix.join(posix.dirname(path), target)).startsWith('..')) links.push({ path, target });
    }
    return links;
  }

  async merge(base: string, head: string, message: string): Promise<MergeResult> {
    const [baseCommit, headCommit] = await Promise.all([this.#resolve(base), this.#resolve(head)]);
    if (baseCommit === headCommit || (await this.isAncestor(headCommit, baseCommit))) {
      const tree = await this.#git(['rev-parse', `${baseCommit}^{tree}`]);
      return { ok: true, commit: baseCommit, tree: tree.stdout.trim() };
    }
    const merged = await this.#mergeTree(baseCommit, headCommit);
    if (!merged.clean) return { ok: false, conflicts: merged.conflicts };
    const { tree } = merged;
    // A merge commit even when head is a fast-forward of base: the task stays visible in history.
    const commit = await this.#git(['commit-tree', tree, '-p', baseCommit, '-p', headCommit, '-F', '-'], { input: message });
    return { ok: true, commit: commit.stdout.trim(), tree };
  }

  async conflictsBetween(a: string, b: string): Promise<string[]> {
    if (!(await this.#hasCommit(a)) || !(await this.#hasCommit(b))) return [];
    return (await this.#mergeTree(a, b)).conflicts;
  }

  /** The merged tree, written to the object store only (no commit, no ref), and the files that conflict. */
  async #mergeTree(a: string, b: string): Promise<{ clean: boolean; tree: string; conflicts: string[] }> {
    const merged = await this.#git(['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', a, b], { okExitCodes: [1] });
    const [tree = '', ...conflicted] = merged.stdout.split('\0');
    return { clean: merged.exitCode === 0, tree, conflicts: [...new Set(conflicted.filter(Boolean))] };
  }

  async exportTree(commit: string, dir: string): Promise<void> {
    const resolved = await this.#resolve(commit);
    const tarball = join(this.#stateDir, 'tmp', `${randomUUID()}.tar`);
    await mkdir(join(this.#stateDir, 'tmp'), { recursive: true });
    await mkdir(dir, { recursive: true, mode: 0o755 });
    try {
      await this.#git(['archive', '--format=tar', '--output', tarball, resolved]);
      await runTool('tar', ['-x', '--no-same-owner', '-f', tarball, '-C', dir], `could not unpack ${resolved} into ${dir}`);
    } finally {
      await rm(tarball, { force: true });
    }
  }

  async compareAndSwapMain(next: string, expected: string): Promise<boolean> {
    // Two gate workers may swap at once: wait briefly for the other's ref lock instead of failing at once.
    const args = ['-c', `core.filesRefLockTimeout=${REF_LOCK_WAIT_MS}`, 'update-ref', this.#mainRef, next, expected];
    const output = await this.#git(args, { okExitCodes: [128] });
    if (output.exitCode === 0) return true;
    if (/but expected|unable to resolve reference|reference already exists/.test(output.stderr)) return false;
    if (/Unable to create '.*\.lock'/.test(output.stderr)) {
      throw new GitError(
        'MERGE_RACE',
        `${this.#main} in ${this.#repoDir} stayed locked for ${REF_LOCK_WAIT_MS} ms by another git process; try again. ` +
          `If no gantry process runs, remove the stale ${join(this.#repoDir, this.#mainRef)}.lock.`,
        { retryable: true },
      );
    }
    throw gitFailure(args, { cwd: this.#repoDir }, output);
  }

  async pushMain(): Promise<void> {
    const head = await this.mainHead();
    const args = ['push', '--porcelain', this.#upstream, `${head}:${this.#mainRef}`];
    const pushed = await this.#git(args, { ...(await this.#network({ kind: 'main' })), okExitCodes: [1] });
    if (pushed.exitCode === 1) {
      if (/\t\[rejected\]/.test(pushed.stdout)) {
        throw new GitError(
          'MERGE_RACE',
          `Push of ${this.#main} to ${this.#upstream} rejected: the upstream moved since the last sync. Sync main and merge again.`,
          { retryable: true, data: { upstream: this.#upstream, head } },
        );
      }
      throw gitFailure(args, { cwd: this.#repoDir }, pushed);
    }
    await this.#git(['update-ref', UPSTREAM_MAIN, head]);
    this.#log.info({ head, upstream: this.#upstream }, 'pushed main');
  }

  async publishBranch(taskId: string, fence: number, head: string): Promise<void> {
    checkTaskId(taskId);
    const ref = `refs/heads/${taskBranch(taskId)}`;
    // Forced: an attempt after a lost host starts its branch again from main.
    const args = ['push', '--quiet', '--no-verify', this.#upstream, `+${head}:${ref}`];
    const network = await this.#network({ kind: 'task', task: taskId, fence });
    const pushed = await this.#gitAccepting(args, network, 1, /non-fast-forward/);
    if (pushed.exitCode === 1) {
      // A server that refuses forced updates (receive.denyNonFastForwards) still lets the branch be deleted and made again.
      await this.unpublishBranch(taskId, fence);
      await this.#git(args, network);
    }
    this.#log.info({ taskId, head, upstream: this.#upstream }, 'published task branch');
  }

  async unpublishBranch(taskId: string, fence: number): Promise<void> {
    checkTaskId(taskId);
    const ref = `refs/heads/${taskBranch(taskId)}`;
    // Already gone (a retry after the delete went through) is what was asked for.
    await this.#gitAccepting(['push', '--quiet', '--no-verify', this.#upstream, `:${ref}`], await this.#network({ kind: 'task', task: taskId, fence }), 1, /remote ref does not exist/);
  }

  async fetchBranch(taskId: string, head: string): Promise<void> {
    checkTaskId(taskId);
    if (await this.#hasCommit(head)) return;
    const args = ['-c', 'fetch.fsckObjects=true', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', this.#upstream, `+refs/heads/${taskBranch(taskId)}:refs/gantry/shared/${taskId}`];
    // No such branch: the head is then missing, said below.
    await this.#gitAccepting(args, await this.#network({ kind: 'read' }), 128, /couldn't find remote ref/);
    if (await this.#hasCommit(head)) return;
    throw new GitError('BRANCH_REFUSED', `task ${taskId}: the upstream's ${taskBranch(taskId)} does not hold ${head}, the head submitted to the gate (a newer attempt pushed over it, or the push was lost); the task tries again`, {
      retryable: true,
      data: { taskId, head },
    });
  }

  /** A call whose exit `code` is an answer when git's message matches `accepted`, and a failure otherwise. */
  async #gitAccepting(args: readonly string[], options: Partial<GitCallOptions>, code: number, accepted: RegExp): Promise<GitOutput> {
    const output = await this.#git(args, { ...options, okExitCodes: [code] });
    if (output.exitCode === code && !accepted.test(output.stderr)) throw gitFailure(args, { cwd: this.#repoDir, ...options }, output);
    return output;
  }

  async #hasCommit(commit: string): Promise<boolean> {
    return (await this.#resolveOptional(commit)) === commit;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const output = await this.#git(['merge-base', '--is-ancestor', ancestor, descendant], { okExitCodes: [1] });
    return output.exitCode === 0;
  }

  async mainCommitsSince(since: string, head: string): Promise<MainCommit[]> {
    const log = await this.#git(['log', '--first-parent', '--reverse', '--format=%H%x1f%(trailers:key=Gantry-Task,valueonly,separator=%x2C)%x1e', `${since}..${head}`, '--']);
    const commits: MainCommit[] = [];
    for (const record of log.stdout.split('\x1e').map((r) => r.trim()).filter(Boolean)) {
      const [commit = '', trailer = ''] = record.split('\x1f');
      const parent = (await this.#resolveOptional(`${commit}^1`)) ?? EMPTY_TREE;
      const diff = await this.#git(['diff', '--name-only', '--no-renames', '-z', parent, commit]);
      const taskId = trailer.split(',')[0]?.trim();
      commits.push({ commit, ...(taskId ? { taskId } : {}), files: diff.stdout.split('\0').filter(Boolean) });
    }
    return commits;
  }

  async archive(workspace: Workspace, outcome: string): Promise<string | undefined> {
    checkTaskId(workspace.taskId);
    if (existsSync(workspace.path)) await this.#ingestBeforeArchive(workspace);
    const incoming = incomingRef(workspace.taskId);
    const head = await this.#resolveOptional(incoming);
    let archived: string | undefined;
    if (head !== undefined) {
      if ((await this.#countAhead(head)) > 0) archived = await writeArchiveRef(this.#repoDir, workspace.taskId, head, outcome);
      await this.#git(['update-ref', '-d', incoming, head]);
    }
    await rm(workspace.path, { recursive: true, force: true });
    this.#log.info({ taskId: workspace.taskId, outcome, archived }, 'archived task');
    return archived;
  }

  async #cloneUpstream(): Promise<void> {
    const staging = `${this.#repoDir}.${randomUUID()}`;
    try {
      await this.#git(['clone', '--bare', '--quiet', this.#upstream, staging], { ...(await this.#network({ kind: 'read' })), cwd: this.#stateDir });
      const head = await this.#resolveOptional(this.#mainRef, staging);
      if (head === undefined) {
        throw new GitError('GIT_FAILED', `The upstream ${this.#upstream} has no branch ${this.#main}: push one or configure the right main branch.`);
      }
      await runGit(['update-ref', UPSTREAM_MAIN, head], { cwd: staging });
      await rename(staging, this.#repoDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Another process sharing the state directory (a second controller or
      // a worker started at the same moment) renamed its clone first: use it.
      if (isTakenByAnotherClone(error) && existsSync(join(this.#repoDir, 'HEAD'))) return;
      throw error;
    }
    this.#log.info({ upstream: this.#upstream, repo: this.#repoDir }, 'cloned upstream');
  }

  /**
   * Picks up commits made since the last ingest. A work tree that cannot be
   * read safely or has lost its branch keeps what was ingested before; a
   * retryable failure stops the archive so the work tree is not deleted.
   */
  async #ingestBeforeArchive(workspace: Workspace): Promise<void> {
    try {
      await this.ingest(workspace);
    } catch (error) {
      if (isGantryError(error) && !error.retryable) {
        this.#log.warn({ taskId: workspace.taskId, err: error }, 'work tree not ingested before archiving; keeping the last ingested head');
        return;
      }
      throw error;
    }
  }

  /** Keeps a main that was never pushed before syncMain replaces it, so no merge vanishes without a record. */
  async #keepUnpushed(local: string, upstream: string): Promise<void> {
    await this.#git(['update-ref', `refs/gantry/unpushed/${local}`, local]);
    this.#log.warn({ local, upstream }, 'main diverged from the upstream; unpushed merges kept under refs/gantry/unpushed');
  }

  async #countAhead(head: string): Promise<number> {
    const output = await this.#git(['rev-list', '--count', `${this.#mainRef}..${head}`]);
    return Number(output.stdout.trim());
  }

  async #changedFiles(head: string): Promise<string[]> {
    const diff = await this.#git(['diff', '--name-only', '--no-renames', '-z', await this.#mergeBase(head), head]);
    return diff.stdout.split('\0').filter(Boolean);
  }

  /** Where the branch left main; the empty tree for a branch with no history in common. */
  async #mergeBase(head: string): Promise<string> {
    const mergeBase = await this.#git(['merge-base', this.#mainRef, head], { okExitCodes: [1] });
    return mergeBase.exitCode === 0 ? mergeBase.stdout.trim() : EMPTY_TREE;
  }

  async #resolve(rev: string): Promise<string> {
    const output = await this.#git(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`]);
    return output.stdout.trim();
  }

  async #resolveOptional(ref: string, cwd = this.#repoDir): Promise<string | undefined> {
    const output = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, okExitCodes: [1] });
    return output.exitCode === 0 ? output.stdout.trim() : undefined;
  }

  #git(args: readonly string[], options: Partial<GitCallOptions> = {}): Promise<GitOutput> {
    return runGit(args, { cwd: this.#repoDir, ...options });
  }
}

function incomingRef(taskId: string): string {
  return `refs/gantry/incoming/${taskId}`;
}

/** Task ids become paths and ref names: nothing that could climb out of either. */
function checkTaskId(taskId: string): void {
  if (!TASK_ID.test(taskId) || taskId.includes('..') || taskId.endsWith('.lock')) {
    throw new GitError('TASK_INVALID', `Task id "${taskId}" cannot name a branch and a directory: use letters, digits, ".", "_" and "-".`);
  }
}

/** Hands a directory to the (non-root) uid:gid an agent or test container runs as. */
export async function chownTree(dir: string, owner: string): Promise<void> {
  await runTool('chown', ['-R', owner, dir], 'the controller must run as root to hand a directory to the container uid');
}

async function runTool(command: string, args: readonly string[], hint: string): Promise<void> {
  const result = await execa(command, args, { reject: false, timeout: NETWORK_TIMEOUT_MS, stdin: 'ignore' });
  if (result.exitCode === 0) return;
  throw new GitError('GIT_FAILED', `${command} ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim()}; ${hint}`, {
    data: { command, args },
  });
}

function isTakenByAnotherClone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}
