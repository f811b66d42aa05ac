import type { Redis } from 'ioredis';
import { loadConfig, type GantryConfig } from '../config/index.ts';
import { GitControllerRepo } from '../git/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { BullTaskQueue, connectRedis } from '../queue/index.ts';
import { DockerRuntime } from '../runtime/index.ts';

/**
 * The adapters a command needs, built once from the config and handed to the
 * code that uses them (nothing below the CLI builds its own).
 */
export interface CliContext {
  config: GantryConfig;
  logger: Logger;
  redis: Redis;
  queue: BullTaskQueue;
  close(): Promise<void>;
}

export async function openContext(configFile: string): Promise<CliContext> {
  const logger = createLogger();
  // Warnings (overlapping role scopes, ignored fields) are logged at every start, not only by `config check`.
  const config = await loadConfig(configFile, { logger });
  const redis = await connectRedis(config.redisUrl, logger);
  const queue = new BullTaskQueue({ connection: redis, prefix: config.queue.prefix, attempts: config.limits.retries + 1 });
  return {
    config,
    logger,
    redis,
    queue,
    async close() {
      await queue.close().catch(() => {});
      redis.disconnect();
    },
  };
}

/** `owner`: the id of the process (newControllerId) that every container it runs is labelled with. */
export function dockerRuntime(logger: Logger, owner: string): DockerRuntime {
  return new DockerRuntime({ logger, owner });
}

export function controllerRepo(config: GantryConfig, logger: Logger): GitControllerRepo {
  return new GitControllerRepo({ upstream: config.repo.url, main: config.repo.main, stateDir: config.stateDir, logger });
}
