import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedisServer } from '../helpers/redis-server.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'harness/cli/main.ts');
const redisUrl = inject('redisUrl');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-'));
  await execa('git', ['init', '-q', '--bare', join(dir, 'upstream.git')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gantry(yaml: string, args: string[], env: Record<string, string> = {}) {
  const file = join(dir, `gantry-${Math.random().toString(16).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return execa('node', [CLI, '--config', file, ...args], { cwd: dir, reject: false, env: { REDIS_URL: redisUrl, ...env } });
}

const valid = `repo:\n  url: ./upstream.git\nagent:\n  kind: command\n  command: "true"\ngate:\n  command: "true"\n`;

describe('gantry CLI: bad input', () => {
  it('when asked for help, it lists the commands', async () => {
    const result = await execa('npx', ['gantry', '--help'], { cwd: ROOT });
    for (const command of ['config', 'task', 'run', 'report']) expect(result.stdout).toContain(command);
  });

  it('when the config is valid, config check says ok and exits 0', async () => {
    const result = await gantry(valid, ['config', 'check']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/: ok$/m);
  });

  it.each([
    ['a missing field', valid.replace('gate:\n  command: "true"\n', ''), /:\d+ gate: .*required/i],
    ['a wrong type', `${valid}concurrency: many\n`, /:8 concurrency: expected an integer/],
    ['an unknown agent kind', valid.replace('kind: command', 'kind: robot'), /:4 agent\.kind: .*command/],
    ['an unreachable repo', valid.replace('./upstream.git', './nowhere.git'), /:2 repo\.url: cannot reach/],
  ])('when the config has %s, it exits 2 naming the field', async (_, yaml, message) => {
    const result = await gantry(yaml, ['config', 'check']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('when Redis runs without an append-only file, gantry run refuses to start, exits 2 and says how to fix it', async () => {
    const redis = await startRedisServer(['--appendonly', 'no']);
    try {
      const result = await gantry(valid, ['run', '--until-idle'], { REDIS_URL: redis.url });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/appendonly/);
      expect(result.stderr).toMatch(/CONFIG SET appendonly yes|appendonly yes/);
    } finally {
      await redis.stop();
    }
  });
});
