import { createWriteStream, type WriteStream } from 'node:fs';
import { execa, type ResultPromise } from 'execa';

const CLI = new URL('../../harness/cli/main.ts', import.meta.url).pathname;
/** What `gantry run` logs once the controller is running (harness/cli/commands/run.ts). */
const READY = '"msg":"running"';

export interface Exit {
  at: number;
  exitCode: number | null;
  signal: string | null;
}

type Child = ResultPromise<{ buffer: false; reject: false; stdin: 'ignore'; stdout: 'ignore' }>;

/**
 * One `gantry run` process of the chaos run, started again as often as it is
 * killed. Its log (JSON, stderr) goes on in one file across restarts. An
 * exit nobody asked for is a crash: it is recorded and handed to `onCrash`.
 */
export class GantryProcess {
  readonly name: string;
  /** When each start reached "running". */
  readonly readyAt: number[] = [];
  readonly crashes: Exit[] = [];
  readonly #configFile: string;
  readonly #cwd: string;
  readonly #env: Record<string, string>;
  readonly #log: WriteStream;
  readonly #onCrash: (process: GantryProcess, exit: Exit) => void;
  #child: Child | undefined;
  #exiting = false;

  constructor(options: { name: string; configFile: string; cwd: string; redisUrl: string; logFile: string; onCrash: (process: GantryProcess, exit: Exit) => void }) {
    this.name = options.name;
    this.#configFile = options.configFile;
    this.#cwd = options.cwd;
    this.#env = { REDIS_URL: options.redisUrl, GANTRY_LOG_LEVEL: 'info' };
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    this.#onCrash = options.onCrash;
  }

  get alive(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.#child) throw new Error(`${this.name} is already running`);
    this.#exiting = false;
    this.#log.write(`--- ${this.name} started at ${new Date().toISOString()}\n`);
    const child: Child = execa('node', [CLI, '--config', this.#configFile, 'run'], {
      cwd: this.#cwd, env: this.#env, buffer: false, reject: false, stdin: 'ignore', stdout: 'ignore',
    });
    this.#child = child;
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#log.write(chunk);
      const text = tail + chunk.toString('utf8');
      if (text.includes(READY)) this.readyAt.push(Date.now());
      tail = text.slice(-READY.length);
    });
    void child.then((result) => {
      if (this.#child === child) this.#child = undefined;
      const exit: Exit = { at: Date.now(), exitCode: result.exitCode ?? null, signal: result.signal ?? null };
      this.#log.write(`--- ${this.name} exited at ${new Date(exit.at).toISOString()}: code ${exit.exitCode}, signal ${exit.signal}\n`);
      if (!this.#exiting) {
        this.crashes.push(exit);
        this.#onCrash(this, exit);
      }
    });
  }

  /** kill -9, as a crash of the host process would be. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#exiting = true;
    child.kill('SIGKILL');
    await child;
  }

  /** SIGTERM, the graceful stop; SIGKILL after `timeoutMs`. Returns the exit code (null when it had to be killed). */
  async stop(timeoutMs: number): Promise<number | null> {
    const child = this.#child;
    if (!child) return null;
    this.#exiting = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = await child;
    clearTimeout(timer);
    return result.signal === 'SIGKILL' ? null : (result.exitCode ?? null);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
