import { unfinishedWork, type Controller, type IdleOutcome } from '../controller/index.ts';
import type { Logger } from '../log.ts';

export interface LifetimeOptions {
  graceMs: number;
  untilIdle: boolean;
  logger: Logger;
  /** Started once the controller runs (the dashboard, the progress line); closed after it stops. */
  watch?: (run: string) => Promise<{ close(): Promise<void> }>;
}

/**
 * Starts the controller and keeps it running until SIGTERM/SIGINT (or, with
 * `untilIdle`, until no task is left), then stops it gracefully; a second
 * signal exits at once, leaving the rest to the next start. Throws when the
 * run went idle with work a person must unblock.
 */
export async function runUntilStopped(controller: Controller, options: LifetimeOptions): Promise<void> {
  const { logger } = options;
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting at once');
        process.exit(130);
      }
      logger.info({ signal, graceMs: options.graceMs }, 'stopping: no new tasks; running sessions get the grace period');
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  let idle: IdleOutcome | undefined;
  let watchers: { close(): Promise<void> } | undefined;
  try {
    await controller.start();
    logger.info({ run: controller.run }, 'running');
    watchers = await options.watch?.(controller.run ?? '');
    idle = await Promise.race([stopped.then(() => undefined), options.untilIdle ? controller.untilIdle() : new Promise<never>(() => {})]);
  } finally {
    await controller.close(signals > 0 ? 'signal' : 'idle');
    // After the controller: the dashboard shows the run to its last event.
    await watchers?.close();
  }
  // Idle, but a refused key or a budget left work undone: a person must act.
  const unfinished = idle && unfinishedWork(idle);
  if (unfinished) throw unfinished;
}
