import path from 'node:path';
import type { Role } from '../roles/types.ts';
import { GantryError } from '../errors.ts';
import { filesNamedBy } from './command-files.ts';
import { SIZE_PATTERN, type ParsedConfig } from './schema.ts';
import type { GantryConfig, OracleConfig } from './types.ts';

/**
 * From the validated shape to the strict internal form: paths absolute
 * (relative ones are read from the config file's folder, not from wherever
 * the controller was started), sizes in bytes, durations named with `Ms`,
 * defaults that depend on other fields filled in.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const UNIT_BYTES: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `roles` holds the role files as read (see readRoles): normalizing reads no file. */
export function normalize(parsed: ParsedConfig, file: string, env: NodeJS.ProcessEnv, roles: Record<string, Role>): GantryConfig {
  const configDir = path.dirname(file);
  const { agent, gate, limits, container, queue, shutdown, budget } = parsed;
  return {
    file,
    repo: { url: resolveRepoUrl(parsed.repo.url, configDir), main: parsed.repo.main, tokens: parsed.repo.tokens },
    concurrency: parsed.concurrency,
    stateDir: path.resolve(configDir, parsed.stateDir),
    agent: {
      kind: agent.kind,
      image: agent.image,
      ...(agent.command === undefined ? {} : { command: agent.command }),
      ...(agent.model === undefined ? {} : { model: agent.model }),
      env: agent.env,
      ...(agent.price === undefined ? {} : { price: { input: agent.price.input, cachedInput: agent.price.cachedInput ?? agent.price.input, output: agent.price.output } }),
    },
    gate: {
      command: gate.command,
      format: gate.format,
      results: gate.results,
      ...(gate.select === undefined ? {} : { select: gate.select }),
      image: gate.image ?? agent.image,
      timeoutMs: gate.timeout,
      trusted: [...new Set([...gate.trusted, ...filesNamedBy(gate.command), ...(gate.select ? filesNamedBy(gate.select) : [])])],
      testChanges: gate.testChanges,
      reruns: gate.reruns,
      quarantine: gate.quarantine,
      fastBudget: gate.fastBudget,
    },
    limits: {
      sessions: limits.sessions,
      sessionTimeoutMs: limits.sessionTimeout,
      taskTimeoutMs: limits.taskTimeout,
      retries: limits.retries,
      idleTimeoutMs: limits.idleTimeout,
      branchFiles: limits.branchFiles,
      minFreeDiskBytes: sizeToBytes(limits.minFreeDisk),
    },
    container: {
      memoryBytes: sizeToBytes(container.memory),
      nanoCpus: Math.round(container.cpus * 1e9),
      pids: container.pids,
      network: container.network,
      user: container.user,
      fileSizeBytes: sizeToBytes(container.fileSize),
      diskBytes: sizeToBytes(container.disk),
      files: container.files,
    },
    queue: { prefix: queue.prefix, leaseMs: queue.lease },
    shutdown: { graceMs: shutdown.grace, forceMs: shutdown.force },
    budget: {
      ...(budget.run === undefined ? {} : { run: budget.run }),
      ...(budget.perTask === undefined ? {} : { perTask: budget.perTask }),
      perRole: budget.perRole,
    },
    roles: {
      ...(parsed.roles.dir === undefined ? {} : { dir: path.resolve(configDir, parsed.roles.dir) }),
      scope: parsed.roles.scope,
      sources: parsed.roles.sources,
      overlap: parsed.roles.overlap,
      roles,
    },
    ...(parsed.oracle === undefined ? {} : { oracle: normalizeOracle(parsed.oracle, agent.image) }),
    server: normalizeServer(parsed.server, env),
    redisUrl: env['REDIS_URL'] || DEFAULT_REDIS_URL,
  };
}

function normalizeServer(server: ParsedConfig['server'], env: NodeJS.ProcessEnv): GantryConfig['server'] {
  const token = server.token ?? (env['GANTRY_SERVER_TOKEN'] || undefined);
  if (token !== undefined && token.length < 16) {
    throw new GantryError('CONFIG_INVALID', 'GANTRY_SERVER_TOKEN is shorter than 16 characters: use a long random string, e.g. `openssl rand -base64 24`');
  }
  const port = env['GANTRY_SERVER_PORT'] ? Number(env['GANTRY_SERVER_PORT']) : server.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new GantryError('CONFIG_INVALID', `GANTRY_SERVER_PORT=${env['GANTRY_SERVER_PORT']}: expected a TCP port, 0 to 65535 (0 takes any free one)`);
  }
  return { enabled: server.enabled, host: env['GANTRY_SERVER_HOST'] || server.host, port, ...(token === undefined ? {} : { token }) };
}

function normalizeOracle(oracle: NonNullable<ParsedConfig['oracle']>, agentImage: string): OracleConfig {
  const { units, judge, timeouts } = oracle;
  return {
    units: {
      ...(units.glob === undefined ? {} : { glob: units.glob }),
      ...(units.list === undefined ? {} : { list: units.list }),
      ...(units.command === undefined ? {} : { command: units.command }),
    },
    build: oracle.build,
    judge: { kind: judge.kind, command: judge.command, ...(judge.verdict === undefined ? {} : { verdict: judge.verdict }) },
    image: oracle.image ?? agentImage,
    env: oracle.env,
    parallel: oracle.parallel,
    confirm: oracle.confirm,
    role: oracle.role,
    ...(oracle.check === undefined ? {} : { check: oracle.check }),
    timeouts: { buildMs: timeouts.build, judgeMs: timeouts.judge, checkMs: timeouts.check },
  };
}

/** `2g` → 2147483648. Units are binary, as Docker reads them. */
export function sizeToBytes(size: string): number {
  const match = SIZE_PATTERN.exec(size.trim());
  if (!match) throw new RangeError(`not a size: ${size}`);
  const unit = match[2]?.toLowerCase();
  return Number(match[1]) * (unit === undefined ? 1 : (UNIT_BYTES[unit] ?? 1));
}

/**
 * A repository URL with a scheme (`https://`, `file://`) or in scp form
 * (`git@host:owner/repo`) is left as written; anything else is a local path.
 * Git's own rule: a colon before the first slash means scp form.
 */
export function resolveRepoUrl(url: string, configDir: string): string {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
  const isScpLike = /^[^/]+:/.test(url) && !path.isAbsolute(url);
  return hasScheme || isScpLike ? url : path.resolve(configDir, url);
}
