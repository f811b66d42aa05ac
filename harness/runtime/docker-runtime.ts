import { open } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import Dockerode from 'dockerode';
import { ContainerError, isGantryError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { ContainerExit, ContainerRuntime, ContainerSpec, ContainerSummary, ContainerUsage, RunOptions } from './container-runtime.ts';
import { hardenedCreateOptions } from './create-options.ts';
import { isNotFound, translateDockerError } from './docker-errors.ts';
import { RedactingStream } from './redacting-stream.ts';
import { requireSelector, unprivilegedUser } from './guards.ts';
import { LABEL } from './labels.ts';
import { dockerTooSlow, logFileUnwritable, removalFailed } from './runtime-errors.ts';
import { stopTrigger, type StopReason } from './stop-trigger.ts';
import { settleWithin, withTimeLimit } from './time-limit.ts';
import { watchUntilStopped } from './watch-loop.ts';

const DEFAULT_SOCKET = '/var/run/docker.sock';

export interface DockerRuntimeOptions {
  /** A ready client; otherwise one is made from `socketPath`, DOCKER_HOST or the default socket. */
  docker?: Dockerode;
  /** @defaultValue DOCKER_HOST when set, else /var/run/docker.sock */
  socketPath?: string;
  /** The engine as DOCKER_HOST names one (`unix:///run/docker.sock`, a socket path, `tcp://host:2375`); before `socketPath`. */
  host?: string;
  logger?: Logger;
  /**
   * Time limit of each Docker API call (create, start, inspect, kill, remove,
   * list); waiting for the container is bounded by the run's own timeout.
   * @defaultValue 30000
   */
  callTimeoutMs?: number;
  /**
   * The id of the process that runs the containers, put on each as
   * `gantry.owner`: the reaper leaves a container alone while its owner is
   * alive. Without it containers carry no owner label.
   */
  owner?: string;
}

type Exit = Pick<ContainerExit, 'exitCode' | 'timedOut' | 'aborted' | 'stopped'>;

/** The log file behind the stream that counts and redacts what the container prints. */
interface LogFile {
  input: RedactingStream;
  done: Promise<void>;
}

interface LogSink {
  /** Resolves when Docker has sent all output (the container ended) or the stream broke. */
  drained: Promise<void>;
  stop(): void;
}

/** The container port on dockerode. */
export class DockerRuntime implements ContainerRuntime {
  readonly #docker: Dockerode;
  readonly #endpoint: string;
  readonly #logger: Logger;
  readonly #callTimeoutMs: number;
  readonly #owner: string | undefined;

  constructor(options: DockerRuntimeOptions = {}) {
    const socketPath = options.socketPath ?? (process.env.DOCKER_HOST ? undefined : DEFAULT_SOCKET);
    this.#docker = options.docker ?? new Dockerode(options.host ? dockerEndpoint(options.host) : socketPath === undefined ? undefined : { socketPath });
    this.#endpoint = describeEndpoint(this.#docker);
    this.#logger = options.logger ?? silentLogger;
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.#owner = options.owner;
  }

  /** The spec with this process's owner label added (see DockerRuntimeOptions.owner). */
  #owned(spec: ContainerSpec): ContainerSpec {
    return this.#owner === undefined ? spec : { ...spec, labels: { ...spec.labels, [LABEL.owner]: this.#owner } };
  }

  async ping(): Promise<void> {
    // dockerode's ping() and image inspect() take no abort signal; the time limit still holds.
    await this.#call('ping', () => this.#docker.ping());
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.#call('inspect image', () => this.#docker.getImage(image).inspect(), image);
      return true;
    } catch (error) {
      if (isGantryError(error) && error.code === 'IMAGE_MISSING') return false;
      throw error;
    }
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    const user = unprivilegedUser(spec.user);
    const startedAt = Date.now();
    if (options.signal?.aborted) return { exitCode: null, oomKilled: false, timedOut: false, aborted: true, durationMs: 0 };
    const logFile = options.logFile === undefined ? undefined : await openLog(options.logFile, options.secrets ?? []);
    logFile?.done.catch((error: unknown) => this.#logger.error({ err: error, logFile: options.logFile }, 'writing container output failed'));
    let container: Dockerode.Container | undefined;
    let logs: LogSink | undefined;
    try {
      container = await this.#call('create container', (signal) => this.#docker.createContainer({ ...hardenedCreateOptions(this.#owned(spec), user), abortSignal: signal }), spec.image);
      this.#logger.debug({ container: container.id, image: spec.image, labels: spec.labels }, 'container created');
      const created = container;
      await this.#call('start container', (signal) => created.start({ abortSignal: signal }), spec.image);
      if (logFile !== undefined) logs = await this.#followLogs(created, logFile.input);
      const exit = await this.#waitForExit(created, options, () => logFile?.input.bytesIn ?? 0);
      const durationMs = Date.now() - startedAt;
      if (logs !== undefined) await settleWithin(logs.drained, this.#callTimeoutMs);
      const oomKilled = await this.#wasOomKilled(created);
      this.#logger.debug({ container: created.id, ...exit, oomKilled, durationMs }, 'container ended');
      return { ...exit, oomKilled, durationMs, ...(logFile === undefined ? {} : { redacted: logFile.input.redactions }) };
    } finally {
      await this.#cleanUp(container, logs, logFile);
    }
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const found = await this.#call('list containers', (signal) => this.#docker.listContainers({
      all: true,
      filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
      abortSignal: signal,
    }));
    return found.map((info) => ({ id: info.Id, labels: info.Labels, running: info.State === 'running' }));
  }

  async removeAll(labels: Record<string, string>): Promise<number> {
    requireSelector(labels);
    const found = await this.list(labels);
    const failures: unknown[] = [];
    let removed = 0;
    // Every container gets its attempt even when one removal fails.
    for (const { id } of found) {
      try {
        if (await this.#remove(this.#docker.getContainer(id))) removed += 1;
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw removalFailed(labels, failures.length, found.length, failures[0]);
    return removed;
  }

  /** One Docker API call with its own time limit and a translated error. */
  async #call<T>(what: string, call: (signal: AbortSignal) => Promise<T>, image?: string, limitMs = this.#callTimeoutMs): Promise<T> {
    try {
      return await withTimeLimit(limitMs, () => dockerTooSlow(this.#endpoint, what, limitMs), call);
    } catch (error) {
      throw translateDockerError(error, { what, endpoint: this.#endpoint, ...(image === undefined ? {} : { image }) });
    }
  }

  async #followLogs(container: Dockerode.Container, file: RedactingStream): Promise<LogSink> {
    const stream = await this.#call('follow logs', (signal) => container.logs({ follow: true, stdout: true, stderr: true, abortSignal: signal }));
    // Without a TTY, Docker multiplexes stdout and stderr into frames; both go to the one file.
    this.#docker.modem.demuxStream(stream, file, file);
    const drained = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', resolve);
    });
    return { drained, stop: () => (stream as unknown as { destroy(): void }).destroy() };
  }

  async #waitForExit(container: Dockerode.Container, options: RunOptions, outputBytes: () => number): Promise<Exit> {
    // Waiting lasts as long as the container, so its limit follows the run's timeout (plus
    // time to kill), not the call limit; it is cut short once the run is stopped.
    const stopped = new AbortController();
    const watched = options.watch === undefined ? new Promise<never>(() => {}) : watchUntilStopped(options.watch, () => this.#usage(container, outputBytes()), stopped.signal);
    const exited = this.#call(
      'wait for container',
      (signal) => container.wait({ condition: 'not-running', abortSignal: AbortSignal.any([signal, stopped.signal]) }) as Promise<{ StatusCode: number }>,
      undefined,
      options.timeoutMs + 2 * this.#callTimeoutMs,
    );
    const stop = stopTrigger(options.timeoutMs, options.signal);
    try {
      const first: { StatusCode: number } | StopReason | { stopped: string } = await Promise.race([exited, stop.reason, watched]);
      if (typeof first !== 'string' && 'StatusCode' in first) return { exitCode: first.StatusCode, timedOut: false, aborted: false };
      this.#logger.info({ container: container.id, reason: typeof first === 'string' ? first : first.stopped, timeoutMs: options.timeoutMs }, 'killing container');
      await this.#kill(container);
      await settleWithin(exited, this.#callTimeoutMs);
      if (typeof first !== 'string') return { exitCode: null, timedOut: false, aborted: false, stopped: first.stopped };
      return { exitCode: null, timedOut: first === 'timeout', aborted: first === 'abort' };
    } finally {
      stop.dispose();
      stopped.abort();
    }
  }

  async #usage(container: Dockerode.Container, outputBytes: number): Promise<ContainerUsage | undefined> {
    try {
      // one-shot: the numbers now, without waiting a second for a CPU-percentage sample.
      // Its typings take no abort signal; the call's time limit still holds.
      const stats = await this.#call('container stats', () => container.stats({ stream: false, 'one-shot': true }));
      const networkBytes = Object.values(stats.networks ?? {}).reduce((sum, net) => sum + net.rx_bytes + net.tx_bytes, 0);
      return { pids: stats.pids_stats?.current ?? 0, cpuNs: stats.cpu_stats.cpu_usage.total_usage, networkBytes, outputBytes };
    } catch (error) {
      this.#logger.debug({ container: container.id, err: error }, 'container stats unavailable');
      return undefined;
    }
  }

  async #kill(container: Dockerode.Container): Promise<void> {
    try {
      await this.#call('kill container', (signal) => container.kill({ abortSignal: signal }));
    } catch (error) {
      // Already stopped or gone is fine; anything else is left to the forced removal that follows.
      this.#logger.warn({ container: container.id, err: error }, 'kill failed; removal will force it');
    }
  }

  async #wasOomKilled(container: Dockerode.Container): Promise<boolean> {
    try {
      const info = await this.#call('inspect container', (signal) => container.inspect({ abortSignal: signal }));
      return info.State.OOMKilled;
    } catch (error) {
      // Removed while it ran (the reaper, a forced shutdown): there is nothing left to inspect.
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Force-removes a container; false when it was already gone. */
  async #remove(container: Dockerode.Container): Promise<boolean> {
    try {
      await this.#call('remove container', (signal) => container.remove({ force: true, abortSignal: signal }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Every step runs even when an earlier one throws; a container left behind is logged for the reaper. */
  async #cleanUp(container: Dockerode.Container | undefined, logs: LogSink | undefined, logFile: LogFile | undefined): Promise<void> {
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['stop following logs', () => logs?.stop()],
      ['close log file', () => (logFile === undefined ? undefined : closeLog(logFile))],
      ['remove container', async () => {
        if (container !== undefined) await this.#remove(container);
      }],
    ];
    for (const [step, action] of steps) {
      try {
        await action();
      } catch (error) {
        this.#logger.error({ step, container: container?.id, err: error }, 'container cleanup step failed; the reaper removes leftovers by label');
      }
    }
  }
}

function dockerEndpoint(host: string): Dockerode.DockerOptions {
  if (host.startsWith('/')) return { socketPath: host };
  const url = new URL(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    return { host: url.hostname, port: url.port || (url.protocol === 'https:' ? 2376 : 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' };
  }
  throw new ContainerError('CONFIG_INVALID', `--docker-host ${host}: give a socket path, unix:///path, tcp://host:port or https://host:port`);
}

function describeEndpoint(docker: Dockerode): string {
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: string; port?: number | string; protocol?: string };
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  if (modem.host) return `${modem.protocol ?? 'http'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  return DEFAULT_SOCKET;
}

async function openLog(path: string, secrets: readonly string[]): Promise<LogFile> {
  let file;
  try {
    file = (await open(path, 'a')).createWriteStream();
  } catch (error) {
    throw logFileUnwritable(path, error);
  }
  const input = new RedactingStream(secrets);
  input.pipe(file);
  return { input, done: finished(file) };
}

/** Ends the output, writes what the redactor held back, and waits for the file to be written. */
async function closeLog(log: LogFile): Promise<void> {
  log.input.end();
  await log.done;
}
