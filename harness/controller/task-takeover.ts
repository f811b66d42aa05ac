import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { LABEL, reapTask, runSelector } from '../runtime/index.ts';

export interface TakeoverInput {
  runtime: ContainerRuntime;
  run: string;
  task: string;
  /** The registry's liveness of a container's owner; a throw counts as alive (it may be). */
  isAlive: (owner: string) => Promise<boolean>;
  /** How long a live owner's container may go on before it is removed. */
  graceMs: number;
  pollMs?: number;
  logger: Logger;
}

/**
 * Run by a worker that has just taken a task's lease, before its attempt: a
 * container still at work on the task belongs to an earlier attempt and
 * writes to the same work tree. One whose owner is alive (a controller
 * committing its stopped session at shutdown, or one that lost the lease) is
 * given `graceMs` to end; then, or at once when no live owner runs one,
 * every container of the task is removed. A controller killed moments ago
 * still counts as alive until its registry entry lapses, within the grace.
 * Returns how many containers were removed.
 */
export async function takeOverTask(input: TakeoverInput): Promise<number> {
  const { runtime, run, task } = input;
  const deadline = Date.now() + input.graceMs;
  for (;;) {
    const found = await runtime.list({ ...runSelector(run), [LABEL.task]: task });
    if (found.length === 0) return 0;
    const owners = new Set(found.filter((c) => c.running).flatMap((c) => c.labels[LABEL.owner] ?? []));
    let liveOwner = false;
    for (const owner of owners) liveOwner ||= await input.isAlive(owner).catch(() => true);
    if (!liveOwner || Date.now() >= deadline) {
      const removed = await reapTask(runtime, run, task);
      if (removed > 0) input.logger.warn({ task, removed }, 'removed containers of an earlier attempt at the task');
      return removed;
    }
    await sleep(input.pollMs ?? 1_000);
  }
}
