import type { Redis } from 'ioredis';
import { loadConfig, type GantryConfig } from '../config/index.ts';
import { ConfigError } from '../errors.ts';
import { GitControllerRepo, type UpstreamCredentials } from '../git/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { BullTaskQueue, connectRedis } from '../queue/index.ts';
import { DockerRuntime } from '../runtime/index.ts';
import { serverCredentials, UPSTREAM_TOKEN_ENV } from '../upstream/index.ts';

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
export function dockerRuntime(logger: Logger, owner: string, host?: string): DockerRuntime {
  return new DockerRuntime({ logger, owner, ...(host ? { host } : {}) });
}

/**
 * The process's clone of the upstream. `credentials`: a worker's (tokens it
 * mints per call); by default, with `repo.tokens`, the upstream server's own
 * token from the environment, which a controller needs to push main.
 */
export function controllerRepo(config: GantryConfig, logger: Logger, credentials?: UpstreamCredentials): GitControllerRepo {
  const given = credentials ?? (config.repo.tokens ? serverCredentials(upstreamToken(config)) : undefined);
  return new GitControllerRepo({ upstream: config.repo.url, main: config.repo.main, stateDir: config.stateDir, logger, ...(given ? { credentials: given } : {}) });
}

function upstreamToken(config: GantryConfig): string {
  const token = process.env[UPSTREAM_TOKEN_ENV];
  if (token) return token;
  throw new ConfigError([`${config.file} repo.tokens: the upstream asks for tokens, so this process needs the upstream server's own: set ${UPSTREAM_TOKEN_ENV} to the token \`gantry upstream serve\` was started with (workers need none: run \`gantry worker\` there)`]);
}
