import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ThrowawayRedis {
  url: string;
  stop(): Promise<void>;
}

/** A redis-server of the test's own, on a free loopback port, with extra config `args`. */
export async function startRedisServer(args: string[]): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-redis-'));
  const server = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args], {
    stdio: 'ignore',
    reject: false,
  });
  const stop = async () => {
    server.kill('SIGTERM');
    await server;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while ((await execa('redis-cli', ['-p', String(port), 'ping'], { reject: false })).stdout.trim() !== 'PONG') {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server ${args.join(' ')} did not answer on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

