import type { Command } from 'commander';
import { Controller, newControllerId, unfinishedWork, type IdleOutcome } from '../../controller/index.ts';
import { controllerRepo, dockerRuntime, openContext } from '../context.ts';
import { startWatchers, type RunWatchers } from '../run-watchers.ts';

export function registerRun(program: Command, configFile: () => string): void {
  program
    .command('run')
    .description('Start the controller: worker slots take tasks until stopped')
    .option('--until-idle', 'stop once no task is waiting or running')
    .action(async (options: { untilIdle?: boolean }) => {
      const context = await openContext(configFile());
      const { config, logger } = context;
      const id = newControllerId();
      const controller = new Controller({
        id, config, logger, redis: context.redis, queue: context.queue,
        runtime: dockerRuntime(logger, id), repo: controllerRepo(config, logger),
      });
      let signals = 0;
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          signals += 1;
          if (signals > 1) {
            // A second signal means "now": leave the rest to the next start.
            logger.warn({ signal }, 'second signal: exiting at once');
            process.exit(130);
          }
          logger.info({ signal, graceMs: config.shutdown.graceMs }, 'stopping: no new tasks; running sessions get the grace period');
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      let idle: IdleOutcome | undefined;
      let watchers: RunWatchers | undefined;
      try {
        await controller.start();
        logger.info({ run: controller.run, concurrency: config.concurrency }, 'running');
        watchers = await startWatchers({ config, redis: context.redis, queue: context.queue, run: controller.run ?? '', logger, terminal: process.stderr });
        idle = await Promise.race([stopped.then(() => undefined), options.untilIdle ? controller.untilIdle() : new Promise<never>(() => {})]);
      } finally {
        await controller.close(signals > 0 ? 'signal' : 'idle');
        // After the controller: the dashboard shows the run to its last event.
        await watchers?.close();
        await context.close();
      }
      // Idle, but a refused key or a budget left work undone: a person must act.
      const unfinished = idle && unfinishedWork(idle);
      if (unfinished) throw unfinished;
    });
}
