import { Redis } from 'ioredis';
import { QueueError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { withDeadline } from './deadline.ts';

/** The URL without its password, for messages and logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * An ioredis client fit for BullMQ: `maxRetriesPerRequest: null` lets commands
 * wait through a Redis restart instead of failing mid-run. Because of that a
 * missing Redis would make every command wait forever, so the first PING must
 * answer within `timeoutMs` or the controller stops with REDIS_UNAVAILABLE.
 */
export async function connectRedis(url: string, logger: Logger = silentLogger, timeoutMs = 5_000): Promise<Redis> {
  const where = describeRedisUrl(url);
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectTimeout: timeoutMs });
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; one line per distinct cause is enough.
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ redis: where, err: error.message }, 'redis connection error');
  });
  redis.on('ready', () => {
    lastError = '';
    logger.debug({ redis: where }, 'redis ready');
  });
  const unavailable = (cause?: unknown) => {
    redis.disconnect();
    const reason = lastError || (cause instanceof Error ? cause.message : `no answer within ${timeoutMs} ms`);
    return new QueueError('REDIS_UNAVAILABLE', `Redis not reachable at ${where} (${reason}): start redis-server or set REDIS_URL`, {
      retryable: true,
      cause,
      data: { url: where },
    });
  };
  let answered;
  try {
    answered = await withDeadline(redis.ping(), timeoutMs);
  } catch (error) {
    throw unavailable(error);
  }
  if (!answered.done) throw unavailable();
  return redis;
}

interface DurabilitySetting {
  name: 'appendonly' | 'maxmemory-policy';
  required: string;
  /** Where INFO reports it when CONFIG is disabled, and how to read the value. */
  info: { section: 'persistence' | 'memory'; field: string; toConfig: (value: string) => string };
  why: string;
}

const durabilitySettings: readonly DurabilitySetting[] = [
  {
    name: 'appendonly',
    required: 'yes',
    info: { section: 'persistence', field: 'aof_enabled', toConfig: (value) => (value === '1' ? 'yes' : 'no') },
    why: 'without the append-only file a Redis restart loses queued and running tasks',
  },
  {
    name: 'maxmemory-policy',
    required: 'noeviction',
    info: { section: 'memory', field: 'maxmemory_policy', toConfig: (value) => value },
    why: 'any other policy lets Redis evict jobs and locks when memory fills',
  },
];

/**
 * Refuses a Redis that would lose jobs: BullMQ's at-least-once delivery holds
 * only if Redis keeps what it acknowledged. Managed Redis often disables
 * CONFIG, so INFO is the fallback.
 */
export async function checkRedisDurability(redis: Redis, url: string): Promise<void> {
  const where = describeRedisUrl(url);
  const wrong: Array<DurabilitySetting & { value: string }> = [];
  for (const setting of durabilitySettings) {
    const value = await readSetting(redis, setting);
    if (value !== setting.required) wrong.push({ ...setting, value });
  }
  if (wrong.length === 0) return;
  const problems = wrong.map((s) => `${s.name} is ${s.value}, gantry needs ${s.required} (${s.why})`);
  const commands = wrong.map((s) => `\`redis-cli CONFIG SET ${s.name} ${s.required}\``);
  const lines = wrong.map((s) => `\`${s.name} ${s.required}\``);
  throw new QueueError(
    'REDIS_NOT_DURABLE',
    `Redis at ${where} would lose jobs: ${problems.join('; ')}. Run ${commands.join(' and ')}, and put ${lines.join(' and ')} in redis.conf`,
    { retryable: false, data: { url: where, settings: Object.fromEntries(wrong.map((s) => [s.name, s.value])) } },
  );
}

async function readSetting(redis: Redis, setting: DurabilitySetting): Promise<string> {
  try {
    const reply = (await redis.config('GET', setting.name)) as string[];
    const value = reply[1];
    if (value !== undefined) return value;
  } catch {
    // CONFIG renamed or disabled (managed Redis): INFO below still tells.
  }
  const info = await redis.info(setting.info.section);
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${setting.info.field}:`));
  if (line === undefined) return 'unknown';
  return setting.info.toConfig(line.slice(setting.info.field.length + 1).trim());
}
