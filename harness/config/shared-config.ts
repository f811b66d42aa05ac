import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import type { GantryConfig } from './types.ts';

/**
 * A controller puts the config it runs with into Redis, and `gantry worker`
 * on another host takes it from there: every host runs the same roles,
 * agents, limits and budgets, and a change needs one file on one host.
 */
function sharedConfigKey(prefix: string): string {
  return `${prefix}:config`;
}

/** The dashboard's token stays on the controller's host: workers serve no dashboard. */
export async function shareConfig(redis: Redis, config: GantryConfig): Promise<void> {
  const { token: _kept, ...server } = config.server;
  await redis.set(sharedConfigKey(config.queue.prefix), JSON.stringify({ ...config, server }));
}

/** What a worker changes of the shared config: the host-specific parts. */
export interface WorkerSettings {
  redisUrl: string;
  /** Absolute. */
  stateDir: string;
  /** Worker slots on this host; the shared `concurrency` when absent. */
  slots?: number;
}

/** The config the controllers share, as a worker on this host runs it. */
export async function sharedConfig(redis: Redis, prefix: string, settings: WorkerSettings): Promise<GantryConfig> {
  const json = await redis.get(sharedConfigKey(prefix));
  if (json === null) {
    throw new ConfigError([`${settings.redisUrl} (prefix ${prefix}): no controller has shared its config yet: start \`gantry run\` with this Redis and queue.prefix first, or pass --prefix`], 'CONFIG_NOT_FOUND');
  }
  const config = JSON.parse(json) as GantryConfig;
  return {
    ...config,
    redisUrl: settings.redisUrl,
    stateDir: settings.stateDir,
    concurrency: settings.slots ?? config.concurrency,
    // The dashboard is the controllers'; a worker's journal reaches it through Redis.
    server: { ...config.server, enabled: false },
  };
}
