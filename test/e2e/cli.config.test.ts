import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

describe('gantry roles', () => {
  async function rolesDir(files: Record<string, string>): Promise<string> {
    const roles = await mkdtemp(join(dir, 'roles-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(roles, name), text);
    return roles;
  }

  it('when the built-in roles are used, roles check lists them and exits 0', async () => {
    const result = await gantry(valid, ['roles', 'check']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('5 roles ok: core, critic, dedup, docs, perf');
  });

  it('when a role file is bad, roles check and gantry run exit 2 naming the file, line and field', async () => {
    const roles = await rolesDir({ 'qa.yaml': 'name: qa\nprompt: Test it.\ncount: lots\n' });
    const yaml = `${valid}roles:\n  dir: ${roles}\n`;
    for (const args of [['roles', 'check'], ['run', '--until-idle']]) {
      const result = await gantry(yaml, args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`${relative(dir, join(roles, 'qa.yaml'))}:3 count: expected an integer from 0 to 256, got "lots"`);
    }
  });

  it('when two roles own the same files, roles check and gantry run warn about it, naming both', async () => {
    const roles = await rolesDir({
      'api.yaml': 'name: api\nprompt: x\nscope:\n  owns: ["src/**"]\n',
      'web.yaml': 'name: web\nprompt: x\nscope:\n  owns: ["src/web/**"]\n',
    });
    const yaml = `${valid}roles:\n  dir: ${roles}\n`;
    const check = await gantry(yaml, ['roles', 'check']);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stderr).toMatch(/^warning: roles api \(.*api\.yaml\) and web \(.*web\.yaml\) both own files such as src\/web\/x/m);
    const add = await gantry(yaml, ['task', 'add', '--role', 'web', 'style the page']);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stderr).toMatch(/roles api .* and web .* both own files such as src\/web\/x/);
  });

  it('when a task names a role that does not exist, task add exits 2 with the roles there are', async () => {
    const result = await gantry(valid, ['task', 'add', '--role', 'cor', 'fix it']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('TASK_INVALID: there is no role "cor": the roles are core, critic, dedup, docs, perf');
  });
});
