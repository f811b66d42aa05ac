import { silentLogger, type Logger } from '../log.ts';
import type { ContainerRuntime } from './container-runtime.ts';
import { runSelector } from './labels.ts';

/**
 * Removes every container a run left behind. A controller that was killed
 * cannot have removed its agents' containers; on restart it calls this before
 * starting new ones, so no orphan keeps writing to a work tree.
 */
export async function reapOrphans(runtime: ContainerRuntime, run: string, logger: Logger = silentLogger): Promise<number> {
  const removed = await runtime.removeAll(runSelector(run));
  if (removed > 0) logger.warn({ run, removed }, 'removed containers left behind by an earlier controller');
  return removed;
}
