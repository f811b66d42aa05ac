import { resolve } from 'node:path';
import type { Command } from 'commander';
import { sharedConfig } from '../../config/index.ts';
import { Controller, newControllerId } from '../../controller/index.ts';
import { createLogger } from '../../log.ts';
import { BullTaskQueue, connectRedis } from '../../queue/index.ts';
import { upstreamTokens, workerCredentials } from '../../upstream/index.ts';
import { controllerRepo, dockerRuntime } from '../context.ts';
import { runUntilStopped } from '../controller-lifetime.ts';
import { slotCount } from '../options.ts';

interface WorkerOptions {
  redis: string;
  prefix: string;
  dockerHost?: string;
  slots?: number;
  state: string;
  untilIdle?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run worker slots on this host for the controllers sharing a Redis: tasks from their queues, agents on this host\'s Docker engine, branches through the upstream (docs/scale.md)')
    .requiredOption('--redis <url>', 'the Redis the controllers use')
    .option('--prefix <prefix>', 'their queue.prefix', 'gantry')
    .option('--docker-host <url>', 'this host\'s engine: a socket path, unix:///path or tcp://host:port (default: DOCKER_HOST, else /var/run/docker.sock)')
    .option('--slots <n>', 'tasks at once on this host (default: the controllers\' concurrency)', slotCount)
    .option('--state <dir>', 'this worker\'s clone, work trees and session logs', 'gantry-worker-state')
    .option('--until-idle', 'stop once no task is waiting or running')
    .action(async (options: WorkerOptions) => {
      const logger = createLogger();
      const redis = await connectRedis(options.redis, logger);
      try {
        const config = await sharedConfig(redis, options.prefix, {
          redisUrl: options.redis, stateDir: resolve(options.state), ...(options.slots === undefined ? {} : { slots: options.slots }),
        });
        const queue = new BullTaskQueue({ connection: redis, prefix: config.queue.prefix, attempts: config.limits.retries + 1 });
        const id = newControllerId();
        const credentials = config.repo.tokens ? workerCredentials(upstreamTokens(redis, config.queue.prefix)) : undefined;
        const controller = new Controller({
          id, config, logger, redis, queue, mode: 'worker',
          runtime: dockerRuntime(logger, id, options.dockerHost), repo: controllerRepo(config, logger, credentials),
        });
        try {
          await runUntilStopped(controller, { graceMs: config.shutdown.graceMs, untilIdle: options.untilIdle === true, logger });
        } finally {
          await queue.close().catch(() => {});
        }
      } finally {
        redis.disconnect();
      }
    });
}
