import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { makeUpstream } from './git-fixture.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'harness/cli/main.ts');

/** Every file under `dir`, by path relative to it, with its text. */
export async function readTree(dir: string, base = dir): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await readTree(path, base));
    else files[relative(base, path)] = await readFile(path, 'utf8');
  }
  return files;
}

/** A real agent CLI's part of gantry.yaml `agent`, instead of the demo's command agent. */
export interface CliAgentOptions {
  kind: 'claude-code' | 'codex';
  image: string;
  model?: string;
  price?: { input: number; cachedInput?: number; output: number };
}

export interface ProjectOptions {
  concurrency?: number;
  retries?: number;
  sessions?: number;
  sessionTimeoutMs?: number;
  memory?: string;
  leaseMs?: number;
  graceMs?: number;
  /** Extra environment of every agent session (gantry.yaml `agent.env`). */
  agentEnv?: Record<string, string>;
  /** The agent's shell command; defaults to the demo's scripted agent. */
  agentCommand?: string;
  /** gantry.yaml `budget`. */
  budget?: { run?: number; perTask?: number; perRole?: Record<string, number> };
  /** A real agent CLI; `agentCommand` is then not used. */
  agent?: CliAgentOptions;
  /** gantry.yaml `container.network`: a network with a model API on it, for a real agent. @defaultValue 'none' */
  network?: string;
  /** GANTRY_LOG_LEVEL of the CLI. @defaultValue 'warn' */
  logLevel?: string;
  /** gantry.yaml `roles` (a `dir` is relative to the project's folder). */
  roles?: { dir?: string; scope?: 'reject' | 'flag'; sources?: string[]; overlap?: 'wait' | 'run' };
  /** The upstream's files: a folder of test/fixtures/repos, instead of the demo's `notes` project. */
  fixture?: string;
  /** gantry.yaml `gate.format`, `gate.results` and `gate.testChanges` (the command stays `sh test.sh`). */
  gate?: { format?: string; results?: 'file' | 'stdout'; testChanges?: 'deny' | 'review' | 'allow' };
  /** More of gantry.yaml `container` (`memory` and `network` have options of their own). */
  container?: { pids?: number; fileSize?: string; disk?: string; files?: number };
  /** More of gantry.yaml `limits`. */
  limits?: { idleTimeout?: number; branchFiles?: number; minFreeDisk?: string };
  /** gantry.yaml `repo` when the project's upstream is reached another way (`gantry upstream serve` on it). */
  repo?: { url: string; tokens?: boolean };
}

export interface Project {
  dir: string;
  configFile: string;
  /** The upstream's bare repository directory. */
  upstream: string;
  prefix: string;
  /** Runs the gantry CLI against this project (never rejects: check exitCode). */
  gantry(args: string[], options?: { timeout?: number; env?: Record<string, string> }): ResultPromise<{ reject: false }>;
  /** First-parent history of the upstream's main, newest first. */
  mainLog(): Promise<Array<{ sha: string; subject: string; body: string }>>;
  /** The run's label value, for finding its containers. */
  run(): Promise<string | null>;
  /** Rewrites gantry.yaml with `changes` over the options it was made with (upstream and prefix stay). */
  reconfigure(changes: ProjectOptions): Promise<void>;
  cleanup(): Promise<void>;
}

/** The fixture's gantry.yaml. */
function configOf(options: ProjectOptions, upstreamUrl: string, prefix: string): Record<string, unknown> {
  const env = options.agentEnv ?? {};
  return {
    repo: options.repo ?? { url: upstreamUrl },
    concurrency: options.concurrency ?? 3,
    stateDir: './state',
    agent: options.agent ? { ...options.agent, env } : { kind: 'command', command: options.agentCommand ?? 'sh tools/agent.sh', env },
    gate: { command: 'sh test.sh', timeout: 60_000, ...options.gate },
    limits: { sessions: options.sessions ?? 2, sessionTimeout: options.sessionTimeoutMs ?? 30_000, taskTimeout: 120_000, retries: options.retries ?? 1, ...options.limits },
    container: { memory: options.memory ?? '256m', network: options.network ?? 'none', ...options.container },
    queue: { prefix, lease: options.leaseMs ?? 5_000 },
    shutdown: { grace: options.graceMs ?? 5_000, force: 5_000 },
    // Any free port: fixture runs go side by side, and each serves its own dashboard.
    server: { port: 0 },
    ...(options.budget ? { budget: options.budget } : {}),
    ...(options.roles ? { roles: options.roles } : {}),
  };
}

/**
 * A fixture project: the demo's `notes` repository, or `options.fixture`
 * (each with its scripted agent at tools/agent.sh), as a bare upstream, a gantry.yaml using that agent or a
 * real agent CLI, and a Redis key prefix of its own.
 */
export async function makeProject(redisUrl: string, options: ProjectOptions = {}): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-project-'));
  const files = await readTree(options.fixture ? join(ROOT, 'test/fixtures/repos', options.fixture) : join(ROOT, 'examples/demo/project'));
  const upstream = await makeUpstream({ files });
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const configFile = join(dir, 'gantry.yaml');
  let current = options;
  await writeFile(configFile, stringify(configOf(current, upstream.url, prefix)));
  return {
    dir,
    configFile,
    upstream: upstream.dir,
    prefix,
    gantry: (args, { env, ...execOptions } = {}) => execa('node', [CLI, '--config', configFile, ...args], {
      cwd: dir, env: { REDIS_URL: redisUrl, GANTRY_LOG_LEVEL: current.logLevel ?? 'warn', ...env }, reject: false, ...execOptions,
    }),
    async mainLog() {
      const { stdout } = await execa('git', ['--git-dir', upstream.dir, 'log', '--first-parent', '--format=%H%x1f%s%x1f%b%x1e', 'main']);
      return stdout.split('\x1e').map((r) => r.trim()).filter(Boolean).map((record) => {
        const [sha = '', subject = '', body = ''] = record.split('\x1f');
        return { sha, subject, body };
      });
    },
    async run() {
      const redis = new Redis(redisUrl);
      try {
        return await redis.get(`${prefix}:run`);
      } finally {
        redis.disconnect();
      }
    },
    async reconfigure(changes) {
      current = { ...current, ...changes };
      await writeFile(configFile, stringify(configOf(current, upstream.url, prefix)));
    },
    async cleanup() {
      const redis = new Redis(redisUrl);
      try {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      await upstream.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
