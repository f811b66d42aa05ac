import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerRuntime, ContainerSpec, ContainerSummary, ContainerUsage, RunOptions } from '../../harness/runtime/index.ts';
import { gantryLabels, runSelector } from '../../harness/runtime/index.ts';

/**
 * The commands the suite runs. A fake runtime scripts exactly these (see
 * test/unit/runtime.fake.test.ts); a real one runs them in the image.
 */
export const CONFORMANCE_COMMANDS = {
  exitWithEnv: ['sh', '-c', 'echo "greeting=$GREETING"; echo "to stderr" >&2; exit 3'],
  readInput: ['cat', '/mnt/ro/input.txt'],
  writeReadOnly: ['sh', '-c', 'echo written > /mnt/ro/out.txt'],
  writeWritable: ['sh', '-c', 'echo written > /mnt/rw/out.txt'],
  sleep: ['sleep', '60'],
  printSecret: ['sh', '-c', 'echo "token=$API_TOKEN, twice: $API_TOKEN"'],
} as const;

/** A secret long enough that a real runtime's output is likely to split it across chunks only by chance. */
export const CONFORMANCE_SECRET = 'sk-test-0123456789abcdef';

export interface ConformanceOptions {
  image: string;
  /** Numeric uid:gid the containers run as. */
  user: string;
  /** The timeout given to containers that must be killed. */
  shortTimeoutMs: number;
  /** How long killing and removing a container may take past its timeout or abort. */
  killWithinMs: number;
}

/** Polls until `probe` returns a value, or fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One behaviour for every ContainerRuntime: the exit status and the
 * environment come through, mounts keep their mode, the timeout and the abort
 * signal kill, output is appended to the log file, labels select running
 * containers and nothing is left afterwards, and root is refused.
 */
export function describeRuntimeConformance(name: string, makeRuntime: () => ContainerRuntime, options: ConformanceOptions): void {
  describe(`${name} conformance`, () => {
    let runtime: ContainerRuntime;
    let run: string;
    let dir: string;
    let logFile: string;

    const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
      image: options.image,
      command: ['true'],
      env: {},
      mounts: [],
      labels: gantryLabels({ run, task: 'conformance', purpose: 'test' }),
      limits: { memoryBytes: 256 * 1024 * 1024, nanoCpus: 1_000_000_000, pids: 128, fileSizeBytes: 64 * 1024 * 1024 },
      network: 'none',
      user: options.user,
      ...overrides,
    });

    const running = (): Promise<ContainerSummary> =>
      eventually(async () => (await runtime.list(runSelector(run))).find((container) => container.running), 15_000, 'the container to run');

    beforeEach(async () => {
      runtime = makeRuntime();
      run = `test-${randomUUID()}`;
      dir = await mkdtemp(join(tmpdir(), 'gantry-runtime-'));
      logFile = join(dir, 'container.log');
    });

    afterEach(async () => {
      await runtime.removeAll(runSelector(run));
      await rm(dir, { recursive: true, force: true });
    });

    it('when the command exits with a code, it returns the code, passes the env and leaves no container', async () => {
      const exit = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.exitWithEnv], env: { GREETING: 'hello' } }), { timeoutMs: 60_000, logFile });

      expect(exit).toMatchObject({ exitCode: 3, timedOut: false, aborted: false, oomKilled: false });
      const log = await readFile(logFile, 'utf8');
      expect(log).toContain('greeting=hello');
      expect(log).toContain('to stderr');
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when the log file has content already, it appends the output after it', async () => {
      await writeFile(logFile, 'earlier session\n');

      await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.exitWithEnv], env: { GREETING: 'again' } }), { timeoutMs: 60_000, logFile });

      const log = await readFile(logFile, 'utf8');
      expect(log.startsWith('earlier session\n')).toBe(true);
      expect(log).toContain('greeting=again');
    });

    it('when the log file cannot be opened, it fails before starting a container', async () => {
      const refused = runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000, logFile: join(dir, 'missing', 'container.log') });

      await expect(refused).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringContaining('missing/container.log') });
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when a mount is read-only, the container reads it but cannot write it; a writable mount takes writes', async () => {
      const readOnly = join(dir, 'ro');
      const writable = join(dir, 'rw');
      await Promise.all([makeDir(readOnly, 0o755), makeDir(writable, 0o777)]);
      await writeFile(join(readOnly, 'input.txt'), 'the brief\n', { mode: 0o644 });
      const mounts = [
        { hostPath: readOnly, containerPath: '/mnt/ro', readOnly: true },
        { hostPath: writable, containerPath: '/mnt/rw', readOnly: false },
      ];

      const read = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.readInput], mounts }), { timeoutMs: 60_000, logFile });
      const refused = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.writeReadOnly], mounts }), { timeoutMs: 60_000 });
      const written = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.writeWritable], mounts }), { timeoutMs: 60_000 });

      expect(read.exitCode).toBe(0);
      expect(await readFile(logFile, 'utf8')).toContain('the brief');
      expect(refused.exitCode).not.toBe(0);
      await expect(readFile(join(readOnly, 'out.txt'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(written.exitCode).toBe(0);
      expect(await readFile(join(writable, 'out.txt'), 'utf8')).toBe('written\n');
    });

    it('when the container outlives its timeout, it is killed soon after and reported as timed out', async () => {
      const startedAt = Date.now();

      const exit = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: options.shortTimeoutMs });

      expect(exit).toMatchObject({ exitCode: null, timedOut: true, aborted: false });
      expect(exit.durationMs).toBeGreaterThanOrEqual(options.shortTimeoutMs * 0.9);
      expect(Date.now() - startedAt).toBeLessThan(options.shortTimeoutMs + options.killWithinMs);
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when the abort signal fires, it kills the container and reports it as aborted', async () => {
      const controller = new AbortController();
      const exiting = runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000, signal: controller.signal });
      await running();
      const abortedAt = Date.now();

      controller.abort();
      const exit = await exiting;

      expect(exit).toMatchObject({ exitCode: null, timedOut: false, aborted: true });
      expect(Date.now() - abortedAt).toBeLessThan(options.killWithinMs);
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when the signal is aborted before the run, it starts nothing', async () => {
      const exit = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000, signal: AbortSignal.abort() });

      expect(exit).toMatchObject({ exitCode: null, aborted: true, timedOut: false });
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when a container runs, list() finds it by its labels; afterwards it is gone', async () => {
      const controller = new AbortController();
      const exiting = runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000, signal: controller.signal });

      const found = await running();
      const otherRun = await runtime.list(runSelector(`test-${randomUUID()}`));
      controller.abort();
      await exiting;

      expect(found.labels).toMatchObject({ gantry: 'true', 'gantry.run': run, 'gantry.task': 'conformance' });
      expect(otherRun).toEqual([]);
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when removeAll() removes a running container, its run ends as killed', async () => {
      const exiting = runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000 });
      await running();

      const removed = await runtime.removeAll(runSelector(run));
      const exit = await exiting;

      expect(removed).toBe(1);
      expect(exit.exitCode).not.toBe(0);
      expect(exit).toMatchObject({ timedOut: false, aborted: false });
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when the container prints a secret, the log file has *** in its place and the run counts the redactions', async () => {
      const exit = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.printSecret], env: { API_TOKEN: CONFORMANCE_SECRET } }), {
        timeoutMs: 60_000, logFile, secrets: [CONFORMANCE_SECRET],
      });

      const log = await readFile(logFile, 'utf8');
      expect(exit.exitCode).toBe(0);
      expect(log).toBe('token=***, twice: ***\n');
      expect(exit.redacted).toBe(2);
    });

    it('when the watch gives a reason, it stops the container with it; until then it sees the usage at each look', async () => {
      const looks: Array<Record<string, number>> = [];
      const watch = {
        intervalMs: 100,
        check: async (usage: ContainerUsage) => {
          looks.push({ ...usage });
          return looks.length >= 3 ? 'hung' : undefined;
        },
      };

      const exit = await runtime.run(spec({ command: [...CONFORMANCE_COMMANDS.sleep] }), { timeoutMs: 60_000, logFile, watch });

      expect(exit).toMatchObject({ exitCode: null, stopped: 'hung', timedOut: false, aborted: false });
      expect(looks).toHaveLength(3);
      for (const usage of looks) {
        expect(usage).toEqual({ pids: expect.any(Number), cpuNs: expect.any(Number), networkBytes: 0, outputBytes: 0 });
      }
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });

    it('when removeAll() gets an empty selector, it refuses instead of matching every container', async () => {
      await expect(runtime.removeAll({})).rejects.toMatchObject({ code: 'CONTAINER_FAILED', retryable: false });
    });

    it.each(['0:0', '0:1000', '1000:0', 'agent', '1000', 'root:root'])('when the user is %j, it refuses to run', async (user) => {
      const refused = runtime.run(spec({ user }), { timeoutMs: 60_000 });

      await expect(refused).rejects.toMatchObject({ code: 'CONTAINER_FAILED', retryable: false });
      expect(await runtime.list(runSelector(run))).toEqual([]);
    });
  });
}

async function makeDir(path: string, mode: number): Promise<void> {
  await mkdir(path);
  // mkdir applies the umask; the container user (not the test's) must get the mode.
  await chmod(path, mode);
}
