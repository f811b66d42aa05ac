import type { ContainerUsage, ContainerWatch } from '../runtime/index.ts';
import { measureTree, type TreeUsage } from './tree-usage.ts';

export interface SessionWatchLimits {
  /** container.disk */
  diskBytes: number;
  /** container.files */
  files: number;
  /** container.pids: reaching it is noticed (the kernel already refuses more). */
  pids: number;
  /** limits.idleTimeout */
  idleTimeoutMs: number;
}

/** Why the watch stopped a session. */
export type WatchVerdict = { kind: 'hung' | 'disk' | 'files'; detail: string };

const MIB = 1024 * 1024;
/** Less CPU than this share of the time between looks is an idle process, not work. */
const BUSY_CPU_SHARE = 0.01;
/** A walk of the work tree this often (sooner with a short idle timeout), and at most a tenth of the time. */
const MIN_WALK_EVERY_MS = 5_000;

/**
 * Watches one session from outside its container. It stops the session when
 * the work tree grows past its limits (disk use the host would pay for), or
 * when the agent shows no sign of progress for the idle timeout: no output, no
 * change in its work tree (`gantry-agent heartbeat` touches one), no CPU and
 * no network use. A slow agent that does any of these is never stopped by it.
 */
export class SessionWatch implements ContainerWatch {
  readonly intervalMs: number;
  verdict: WatchVerdict | undefined;
  /** The process limit was reached at some look (a fork bomb, or a build that needs a higher `container.pids`). */
  pidsLimitReached = false;
  readonly #workTree: string;
  readonly #limits: SessionWatchLimits;
  readonly #now: () => number;
  #lastUsage: ContainerUsage | undefined;
  #lastTree: TreeUsage | undefined;
  #lastLookAt: number;
  #lastProgressAt: number;
  #nextWalkAt = 0;

  constructor(workTree: string, limits: SessionWatchLimits, now: () => number = Date.now) {
    this.#workTree = workTree;
    this.#limits = limits;
    this.#now = now;
    this.intervalMs = Math.min(5_000, Math.max(200, Math.floor(limits.idleTimeoutMs / 5)));
    this.#lastLookAt = now();
    this.#lastProgressAt = now();
  }

  async check(usage: ContainerUsage): Promise<string | undefined> {
    const now = this.#now();
    if (usage.pids >= this.#limits.pids) this.pidsLimitReached = true;
    const tree = now >= this.#nextWalkAt ? await this.#walk() : undefined;
    this.verdict = (tree && this.#overLimit(tree)) ?? this.#idle(usage, tree, now);
    this.#lastLookAt = now;
    return this.verdict?.kind;
  }

  async #walk(): Promise<TreeUsage> {
    const started = this.#now();
    const tree = await measureTree(this.#workTree, { bytes: this.#limits.diskBytes, entries: this.#limits.files });
    const every = Math.min(MIN_WALK_EVERY_MS, this.#limits.idleTimeoutMs / 3);
    this.#nextWalkAt = this.#now() + Math.max(every, 10 * (this.#now() - started));
    return tree;
  }

  #overLimit(tree: TreeUsage): WatchVerdict | undefined {
    if (tree.bytes > this.#limits.diskBytes) {
      return { kind: 'disk', detail: `its work tree grew past ${Math.round(this.#limits.diskBytes / MIB)} MiB (container.disk)` };
    }
    if (tree.entries > this.#limits.files) {
      return { kind: 'files', detail: `its work tree grew past ${this.#limits.files} files (container.files)` };
    }
    return undefined;
  }

  #idle(usage: ContainerUsage, tree: TreeUsage | undefined, now: number): WatchVerdict | undefined {
    if (this.#progressed(usage, tree, now)) this.#lastProgressAt = now;
    this.#lastUsage = usage;
    if (tree) this.#lastTree = tree;
    const idleMs = now - this.#lastProgressAt;
    if (idleMs < this.#limits.idleTimeoutMs) return undefined;
    return { kind: 'hung', detail: `no output, no change in its work tree, no CPU or network use for ${Math.round(idleMs / 1000)} s (limits.idleTimeout)` };
  }

  #progressed(usage: ContainerUsage, tree: TreeUsage | undefined, now: number): boolean {
    const last = this.#lastUsage;
    if (!last) return true;
    const busyNs = (now - this.#lastLookAt) * 1e6 * BUSY_CPU_SHARE;
    const treeChanged = tree !== undefined && this.#lastTree !== undefined &&
      (tree.bytes !== this.#lastTree.bytes || tree.entries !== this.#lastTree.entries || tree.newestMs !== this.#lastTree.newestMs);
    return usage.outputBytes !== last.outputBytes || usage.networkBytes !== last.networkBytes || usage.cpuNs - last.cpuNs > busyNs || treeChanged;
  }
}
