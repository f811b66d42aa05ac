import type { ContainerUsage, ContainerWatch } from './container-runtime.ts';

/**
 * Looks at a running container every `watch.intervalMs` until the watch gives
 * a reason to stop it, then resolves with that reason. Once `done` is aborted
 * (the run ended another way) it never settles. A look whose usage cannot be
 * read is skipped: the next one tells.
 */
export async function watchUntilStopped(watch: ContainerWatch, readUsage: () => Promise<ContainerUsage | undefined>, done: AbortSignal): Promise<{ stopped: string }> {
  const never = new Promise<never>(() => {});
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, watch.intervalMs));
    if (done.aborted) return never;
    const usage = await readUsage();
    if (usage === undefined) continue;
    const reason = await watch.check(usage);
    if (done.aborted) return never;
    if (reason !== undefined) return { stopped: reason };
  }
}
