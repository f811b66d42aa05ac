import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { freePort } from '../helpers/redis-server.ts';

const READY_WITHIN_MS = 30_000;

/**
 * A redis-server of the chaos run's own, configured as gantry demands, that
 * can be killed with SIGKILL and started again on the same port and
 * directory: the append-only file is replayed, as after a real crash.
 */
export class KillableRedis {
  readonly url: string;
  readonly #port: number;
  readonly #dir: string;
  #server: ResultPromise<{ stdio: 'ignore'; reject: false }> | undefined;

  private constructor(port: number, dir: string) {
    this.#port = port;
    this.#dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<KillableRedis> {
    const redis = new KillableRedis(await freePort(), await mkdtemp(join(tmpdir(), 'gantry-chaos-redis-')));
    await redis.restart();
    return redis;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** kill -9: no shutdown, no last save; what the append-only file holds is what survives. */
  async kill(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    server?.kill('SIGKILL');
    await server;
  }

  /** Starts the server (again) and waits until it answers PING, which it does once the append-only file is loaded. */
  async restart(): Promise<void> {
    if (this.#server) throw new Error('redis-server is already running');
    this.#server = execa('redis-server', [
      '--port', String(this.#port), '--bind', '127.0.0.1', '--dir', this.#dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
    ], { stdio: 'ignore', reject: false });
    const deadline = Date.now() + READY_WITHIN_MS;
    while ((await execa('redis-cli', ['-p', String(this.#port), 'ping'], { reject: false })).stdout.trim() !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.#port} did not answer within ${READY_WITHIN_MS / 1000} s`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    server?.kill('SIGTERM');
    await server;
    await rm(this.#dir, { recursive: true, force: true });
  }
}
