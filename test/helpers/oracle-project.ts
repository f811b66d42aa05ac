import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import type { TaskRecord } from '../../harness/queue/index.ts';
import { journalPath, readJournal, type JournalEvent } from '../../harness/reports/index.ts';
import { makeUpstream, type Upstream } from './git-fixture.ts';
import { readTree } from './project-fixture.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'harness/cli/main.ts');
export const C_EXAMPLE = join(ROOT, 'oracle/examples/c-compiler');
export const ORACLE_IMAGE = 'gantry/oracle-c';

export interface OracleProjectOptions {
  /** CANDIDATE_BUGS of the example's candidate compiler: `src/u07.c`, or `src/u03.c+src/u30.c` for a pair. */
  bugs: string[];
  /** Changes to the example's `oracle:` section. */
  oracle?: Record<string, unknown>;
}

export interface OracleProject {
  dir: string;
  prefix: string;
  upstream: Upstream;
  /** Runs the gantry CLI on this project (never rejects: check exitCode). */
  gantry(args: string[]): ResultPromise<{ reject: false }>;
  tasks(): Promise<TaskRecord[]>;
  /** The run's journal so far (empty before the first run). */
  journal(): Promise<JournalEvent[]>;
  run(): Promise<string | null>;
  cleanup(): Promise<void>;
}

/**
 * The C compiler example as a project: its files as the upstream's main, its
 * gantry.yaml with the given bugs, a Redis prefix of its own and a short
 * lease (a killed run's oracle lock frees up quickly).
 */
export async function makeOracleProject(redisUrl: string, options: OracleProjectOptions): Promise<OracleProject> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-oracle-'));
  const upstream = await makeUpstream({ files: await readTree(C_EXAMPLE) });
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const example = parse(await readFile(join(C_EXAMPLE, 'gantry.yaml'), 'utf8')) as { oracle: Record<string, unknown> };
  const oracle = { ...example.oracle, env: { CANDIDATE_BUGS: options.bugs.join(' ') }, ...options.oracle };
  const config = { ...example, repo: { url: upstream.url }, stateDir: './state', queue: { prefix, lease: 3_000 }, container: { memory: '512m', network: 'none' }, oracle };
  await writeFile(join(dir, 'gantry.yaml'), stringify(config));
  const withRedis = async <T>(use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(redisUrl);
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  const run = () => withRedis((redis) => redis.get(`${prefix}:run`));
  const project: OracleProject = {
    dir,
    prefix,
    upstream,
    gantry: (args) => execa('node', [CLI, '--config', join(dir, 'gantry.yaml'), ...args], { cwd: dir, env: { REDIS_URL: redisUrl, GANTRY_LOG_LEVEL: 'warn' }, reject: false }),
    async tasks() {
      const listed = await project.gantry(['task', 'list', '--json']);
      if (listed.exitCode !== 0) throw new Error(`gantry task list failed: ${listed.stderr}`);
      return JSON.parse(listed.stdout) as TaskRecord[];
    },
    async journal() {
      const id = await run();
      return id ? readJournal(journalPath(join(dir, 'state'), id)).catch(() => []) : [];
    },
    run,
    async cleanup() {
      const id = await run();
      if (id) await removeContainers(id);
      await withRedis(async (redis) => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      });
      await upstream.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return project;
}

export async function removeContainers(run: string): Promise<void> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${run}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await execa('docker', ['rm', '-f', ...ids], { reject: false });
}

/** The oracle's probe image, built once per machine (from Debian's mirror) when missing. */
export async function ensureOracleImage(): Promise<void> {
  const inspect = await execa('docker', ['image', 'inspect', ORACLE_IMAGE], { reject: false });
  if (inspect.exitCode !== 0) await execa('docker', ['build', '-q', '-t', ORACLE_IMAGE, join(ROOT, 'images/oracle-c')]);
}

/**
 * Runs a reproducer script from a task brief as a person would: in the
 * example's tree (a fresh copy), in a container of the probe image with no
 * network. Resolves with its exit code.
 */
export async function runReproducer(script: string, run: string): Promise<{ exitCode: number; output: string }> {
  const tree = await mkdtemp(join(tmpdir(), 'gantry-repro-'));
  try {
    await cp(C_EXAMPLE, tree, { recursive: true });
    await execa('chown', ['-R', '1000:1000', tree]);
    const result = await execa('docker', [
      'run', '--rm', '--network', 'none', '--user', '1000:1000', '--label', 'gantry=true', '--label', `gantry.run=${run}`,
      '-v', `${tree}:/work`, '-w', '/work', ORACLE_IMAGE, 'sh', '-c', script,
    ], { reject: false, all: true });
    return { exitCode: result.exitCode ?? -1, output: result.all ?? '' };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
