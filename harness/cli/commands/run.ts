import type { Command } from 'commander';
import { Controller, newControllerId } from '../../controller/index.ts';
import { controllerRepo, dockerRuntime, openContext } from '../context.ts';
import { runUntilStopped } from '../controller-lifetime.ts';
import { slotCount } from '../options.ts';
import { startWatchers } from '../run-watchers.ts';

export function registerRun(program: Command, configFile: () => string): void {
  program
    .command('run')
    .description('Start the controller: worker slots take tasks until stopped, the gate merges what passes')
    .option('--until-idle', 'stop once no task is waiting or running')
    .option('--slots <n>', 'worker slots on this host instead of `concurrency` (0: only gate, for `gantry worker`s elsewhere)', slotCount)
    .action(async (options: { untilIdle?: boolean; slots?: number }) => {
      const context = await openContext(configFile());
      const { logger } = context;
      const config = options.slots === undefined ? context.config : { ...context.config, concurrency: options.slots };
      const id = newControllerId();
      const controller = new Controller({
        id, config, logger, redis: context.redis, queue: context.queue,
        runtime: dockerRuntime(logger, id), repo: controllerRepo(config, logger),
      });
      try {
        await runUntilStopped(controller, {
          graceMs: config.shutdown.graceMs, untilIdle: options.untilIdle === true, logger,
          watch: (run) => startWatchers({ config, redis: context.redis, queue: context.queue, run, logger, terminal: process.stderr }),
        });
      } finally {
        await context.close();
      }
    });
}
