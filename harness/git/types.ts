/**
 * The git port: the controller's own clone of the upstream, the work trees it
 * hands to agents, and the only path by which an agent's commits come back.
 */

export interface Workspace {
  taskId: string;
  /** `gantry/<task-id>` */
  branch: string;
  /** Absolute path of the work tree (an independent clone, so it can be mounted alone). */
  path: string;
}

export interface IngestResult {
  /** The branch head as fetched into the controller's clone. */
  head: string;
  /** Commits on the branch that main does not have. */
  ahead: number;
  /** Files the branch changes against the merge base with main. */
  files: string[];
  /** What the agent planted in its `.git` to run code or redirect git, removed before the fetch. */
  planted: string[];
}

/** A file some commit of a branch carries. */
export interface BranchBlob {
  path: string;
  bytes: number;
}

export type MergeResult =
  | { ok: true; commit: string; tree: string }
  | { ok: false; conflicts: string[] };

/** One commit of main's first-parent history. */
export interface MainCommit {
  commit: string;
  /** The task it merged (its `Gantry-Task:` trailer), when gantry made it. */
  taskId?: string;
  /** Files it changed against its first parent. */
  files: string[];
}

/** What a call to the upstream does: read, write main (the gate alone), or write one task's branch. */
export type UpstreamAccess = { kind: 'read' } | { kind: 'main' } | { kind: 'task'; task: string; fence: number };

/** The token for one call to the upstream; undefined when the upstream asks for none (ssh keys, a local path). */
export type UpstreamCredentials = (access: UpstreamAccess) => Promise<string | undefined>;

export interface ControllerRepo {
  /** Clones the upstream if there is no clone yet; throws REPO_UNREACHABLE with the fix otherwise. */
  ensureClone(): Promise<void>;
  /** Fetches main from the upstream and returns its head. */
  syncMain(): Promise<string>;
  /** Current head of main in the controller's clone. */
  mainHead(): Promise<string>;
  /**
   * The work tree of a task: reused when it exists (an agent's commits are
   * never thrown away), otherwise a fresh clone on branch `gantry/<id>` from
   * current main, owned by `owner` (uid:gid) so a non-root agent can write it.
   */
  workspace(taskId: string, owner: string): Promise<Workspace>;
  /**
   * Brings the task branch into the controller's clone without running
   * anything the agent controls (hooks, fsmonitor, repo-local config).
   */
  ingest(workspace: Workspace): Promise<IngestResult>;
  /**
   * Files larger than `maxBytes` in any commit of the branch at `head` that
   * main lacks (a file deleted again still rides along in history).
   */
  largeFiles(head: string, maxBytes: number): Promise<BranchBlob[]>;
  /** Symlinks the branch adds or changes whose target is outside the repository (absolute, or climbing out with `..`). */
  linksOutside(head: string): Promise<Array<{ path: string; target: string }>>;
  /** A merge commit of `head` onto `base` (no ref moves); conflicts list the files. */
  merge(base: string, head: string, message: string): Promise<MergeResult>;
  /**
   * The files a merge of `a` and `b` would conflict in (none: it merges
   * cleanly, or one of them is a branch on another host this clone has not
   * seen); nothing is written but objects.
   */
  conflictsBetween(a: string, b: string): Promise<string[]>;
  /** Writes the tree of `commit` into `dir` (for the gate's test run). */
  exportTree(commit: string, dir: string): Promise<void>;
  /** `update-ref refs/heads/<main> next expected`: false when main has moved. */
  compareAndSwapMain(next: string, expected: string): Promise<boolean>;
  /** Pushes main to the upstream; a rejected push throws MERGE_RACE (retryable). */
  pushMain(): Promise<void>;
  /**
   * Pushes an ingested head to the upstream as the task's branch
   * (`gantry/<task>`), so a gate on another host can fetch it.
   */
  publishBranch(taskId: string, fence: number, head: string): Promise<void>;
  /** Deletes the task's branch from the upstream (the task merged); a branch already gone is no error. */
  unpublishBranch(taskId: string, fence: number): Promise<void>;
  /**
   * Makes `head` present in this clone: fetched from the upstream's task
   * branch when another host ingested it. Throws BRANCH_REFUSED (retryable)
   * when the upstream's branch does not hold it.
   */
  fetchBranch(taskId: string, head: string): Promise<void>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** Main's first-parent commits after `since` up to `head`, oldest first. */
  mainCommitsSince(since: string, head: string): Promise<MainCommit[]>;
  /**
   * Keeps the task branch as `refs/gantry/archive/<task-id>/<n>` and removes
   * its work tree. Returns the archive ref, or undefined when the branch had
   * nothing main lacks.
   */
  archive(workspace: Workspace, outcome: string): Promise<string | undefined>;
}
