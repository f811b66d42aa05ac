import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A real Redis for the integration project, configured the way gantry demands
 * (append-only, noeviction), on a free loopback port; or REDIS_URL when set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-redis-'));
  const redis: ResultPromise = execa('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
    '--save', '', '--daemonize', 'no',
  ], { stdio: 'ignore', reject: false });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ping = await execa('redis-cli', ['-p', String(port), 'ping'], { reject: false });
    if (ping.stdout.trim() === 'PONG') break;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${url}: is it installed (apt-get install redis-server)?`);
    await new Promise((r) => setTimeout(r, 100));
  }
  project.provide('redisUrl', url);
  return async () => {
    redis.kill('SIGTERM');
    await redis;
    rmSync(dir, { recursive: true, force: true });
  };
}
