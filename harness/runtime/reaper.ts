import { silentLogger, type Logger } from '../log.ts';
import type { ContainerRuntime, ContainerSummary } from './container-runtime.ts';
import { LABEL, ownerSelector, runSelector } from './labels.ts';

export interface ReapOptions {
  /**
   * Whether the process a container names as `gantry.owner` still runs. It
   * must throw when it cannot tell (Redis down): nothing is removed then.
   * Without it every container of the run counts as an orphan.
   */
  isAlive?: (owner: string) => Promise<boolean>;
  logger?: Logger;
}

/**
 * Removes the containers of a run whose owner is gone. A controller that was
 * killed cannot have removed its agents' containers, and none of them may
 * keep writing to a work tree; the containers of a live owner (another
 * controller on the same queue) stay. A container without an owner label
 * (made by an earlier gantry) is an orphan too.
 */
export async function reapOrphans(runtime: ContainerRuntime, run: string, options: ReapOptions = {}): Promise<number> {
  const { isAlive = async () => false, logger = silentLogger } = options;
  const found = await runtime.list(runSelector(run));
  const alive = new Set<string>();
  const dead: string[] = [];
  for (const owner of new Set(found.flatMap((container) => container.labels[LABEL.owner] ?? []))) {
    if (await isAlive(owner)) alive.add(owner);
    else dead.push(owner);
  }
  let removed = 0;
  for (const owner of dead) removed += await runtime.removeAll(ownerSelector(run, owner));
  for (const container of found.filter((c) => c.labels[LABEL.owner] === undefined)) {
    // Selected by every gantry label it has; skipped while a live owner's container has them all too, since it would go as well.
    const selector = gantryLabelsOf(container);
    const sharedWithLive = found.some((other) => alive.has(other.labels[LABEL.owner] ?? '') && includes(other.labels, selector));
    if (!sharedWithLive) removed += await runtime.removeAll(selector);
  }
  if (removed > 0) logger.warn({ run, removed, owners: dead }, 'removed containers whose controller is gone');
  return removed;
}

/** Removes what this process (`owner`) made in the run: its last step at shutdown. */
export function reapOwn(runtime: ContainerRuntime, run: string, owner: string): Promise<number> {
  return runtime.removeAll(ownerSelector(run, owner));
}

/**
 * Removes every container still at work on a task, whoever made it. Called by
 * the worker that has just taken the task's lease: any such container belongs
 * to an attempt that lost the lease (a controller killed moments ago, not yet
 * known dead) and writes to the same work tree.
 */
export function reapTask(runtime: ContainerRuntime, run: string, task: string): Promise<number> {
  return runtime.removeAll({ ...runSelector(run), [LABEL.task]: task });
}

function gantryLabelsOf(container: ContainerSummary): Record<string, string> {
  return Object.fromEntries(Object.entries(container.labels).filter(([key]) => key === LABEL.managed || key.startsWith(`${LABEL.managed}.`)));
}

function includes(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
