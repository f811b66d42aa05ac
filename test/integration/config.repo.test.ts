import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../../harness/config/index.ts';
import { probeRepo } from '../../harness/config/probe-repo.ts';

const git = (cwd: string, ...args: string[]) =>
  execa('git', ['-c', 'user.name=gantry-test', '-c', 'user.email=test@gantry.invalid', ...args], { cwd });

/** A config whose repo.url sits on line 2, as the issues below expect. */
const configFor = (url: string) => `repo:\n  url: ${url}\nagent:\n  kind: command\n  command: "true"\ngate:\n  command: "true"\n`;

describe('config repository probe', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-config-repo-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(url: string): Promise<string> {
    const file = path.join(dir, 'gantry.yaml');
    await writeFile(file, configFor(url));
    return file;
  }

  it('when repo.url is a local repository with a main branch, it passes with no warnings', async () => {
    await git(dir, 'init', '-q', '-b', 'main', 'upstream');
    await git(path.join(dir, 'upstream'), 'commit', '-q', '--allow-empty', '-m', 'first');
    const file = await writeConfig('./upstream');

    const result = await checkConfig(file, { probeRepo: true });

    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config?.repo.url).toBe(path.join(dir, 'upstream'));
  });

  it('when repo.url is reachable but has no main branch, it warns on the repo section', async () => {
    await git(dir, 'init', '-q', '--bare', 'empty.git');
    const file = await writeConfig('./empty.git');

    const result = await checkConfig(file, { probeRepo: true });

    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([`${file}:1 repo.main: branch main not found in ${path.join(dir, 'empty.git')}: agents start from it, so push it first or set repo.main`]);
  });

  it('when repo.url does not exist, it reports git\'s reason on repo.url\'s line', async () => {
    const file = await writeConfig('./missing.git');
    const missing = path.join(dir, 'missing.git');

    const result = await checkConfig(file, { probeRepo: true });

    expect(result.config).toBeUndefined();
    expect(result.issues).toEqual([
      `${file}:2 repo.url: cannot reach ${missing}: fatal: '${missing}' does not appear to be a git repository; check the path or URL and your credentials`,
    ]);
  });

  it('when the probe is not asked for, a missing repository is not an issue', async () => {
    const file = await writeConfig('./missing.git');

    const result = await checkConfig(file);

    expect(result.issues).toEqual([]);
  });

  it('when the remote accepts the connection but never answers, the probe gives up at its timeout', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const started = Date.now();
      const probe = await probeRepo(`git://127.0.0.1:${port}/silent.git`, 'main', { timeoutMs: 500 });

      expect(probe).toEqual({ reachable: false, reason: 'no answer within 0.5 s' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
