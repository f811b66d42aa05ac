import { appendFile } from 'node:fs/promises';
import type { ContainerExit, ContainerRuntime, ContainerSpec, ContainerSummary, RunOptions } from './container-runtime.ts';
import { requireSelector, unprivilegedUser } from './guards.ts';
import { redactSecrets } from './redacting-stream.ts';
import { dockerUnavailable, imageMissing, logFileUnwritable } from './runtime-errors.ts';
import { stopTrigger } from './stop-trigger.ts';
import { watchUntilStopped } from './watch-loop.ts';

/** What a scripted container does. */
export interface ScriptedOutcome {
  /** @defaultValue 0 (137 with `oom`, as Docker reports a SIGKILL) */
  exitCode?: number;
  /** The container was killed by the memory limit. */
  oom?: boolean;
  /** The container never ends by itself: only the timeout, the abort signal or removal end it. */
  hang?: boolean;
  /** Appended to the log file (stdout and stderr together, as the real runtime writes them). */
  output?: string;
}

export type ContainerScript = (spec: ContainerSpec) => Promise<ScriptedOutcome>;

export interface FakeRuntimeOptions {
  /** @defaultValue every container exits 0 at once */
  script?: ContainerScript;
  /** Images that exist; run() of another one fails with IMAGE_MISSING. @defaultValue every image exists */
  images?: readonly string[];
}

// Docker reports a container ended by SIGKILL (OOM, forced removal) as 128 + 9.
const KILLED_EXIT_CODE = 137;

interface RunningContainer {
  labels: Record<string, string>;
  remove(): void;
}

/**
 * An in-memory ContainerRuntime for unit tests of the modules that use one.
 * It applies the same guards, timeout, abort, label and log-file rules as the
 * Docker runtime (the conformance suite holds both to them), and records every
 * spec it ran.
 */
export class FakeRuntime implements ContainerRuntime {
  /** Every spec run() accepted, in order. */
  readonly specs: ContainerSpec[] = [];
  /** Set to false to behave as when dockerd is down. */
  available = true;
  readonly #script: ContainerScript;
  readonly #images: ReadonlySet<string> | undefined;
  readonly #running = new Map<string, RunningContainer>();
  #nextId = 1;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#script = options.script ?? (async () => ({}));
    this.#images = options.images === undefined ? undefined : new Set(options.images);
  }

  async ping(): Promise<void> {
    this.#requireAvailable();
  }

  async hasImage(image: string): Promise<boolean> {
    this.#requireAvailable();
    return this.#images === undefined || this.#images.has(image);
  }

  async run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit> {
    unprivilegedUser(spec.user);
    const startedAt = Date.now();
    if (options.signal?.aborted) return { exitCode: null, oomKilled: false, timedOut: false, aborted: true, durationMs: 0 };
    if (options.logFile !== undefined) await appendLog(options.logFile, '');
    if (!(await this.hasImage(spec.image))) throw imageMissing(spec.image);
    this.specs.push(spec);
    const id = `fake-${this.#nextId++}`;
    const removed = new Promise<'removed'>((resolve) => this.#running.set(id, { labels: spec.labels, remove: () => resolve('removed') }));
    const stop = stopTrigger(options.timeoutMs, options.signal);
    const printed = { bytes: 0, redacted: 0 };
    const watching = new AbortController();
    // A scripted container is one idle process: no CPU, no network, only what it printed.
    const usage = async () => ({ pids: 1, cpuNs: 0, networkBytes: 0, outputBytes: printed.bytes });
    const watched = options.watch === undefined ? new Promise<never>(() => {}) : watchUntilStopped(options.watch, usage, watching.signal);
    try {
      const ended = await Promise.race([this.#play(spec, options, printed), stop.reason, removed, watched]);
      const durationMs = Date.now() - startedAt;
      const redacted = options.logFile === undefined ? {} : { redacted: printed.redacted };
      if (ended === 'removed') return { exitCode: KILLED_EXIT_CODE, oomKilled: false, timedOut: false, aborted: false, durationMs, ...redacted };
      if (typeof ended === 'string') return { exitCode: null, oomKilled: false, timedOut: ended === 'timeout', aborted: ended === 'abort', durationMs, ...redacted };
      if ('stopped' in ended) return { exitCode: null, oomKilled: false, timedOut: false, aborted: false, stopped: ended.stopped, durationMs, ...redacted };
      const oomKilled = ended.oom === true;
      return { exitCode: ended.exitCode ?? (oomKilled ? KILLED_EXIT_CODE : 0), oomKilled, timedOut: false, aborted: false, durationMs, ...redacted };
    } finally {
      stop.dispose();
      watching.abort();
      this.#running.delete(id);
    }
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    this.#requireAvailable();
    return [...this.#running]
      .filter(([, container]) => hasLabels(container.labels, labels))
      .map(([id, container]) => ({ id, labels: container.labels, running: true }));
  }

  async removeAll(labels: Record<string, string>): Promise<number> {
    requireSelector(labels);
    const found = await this.list(labels);
    for (const { id } of found) this.#running.get(id)?.remove();
    return found.length;
  }

  /** The script's outcome once its output is written (secrets redacted); never settles for a hanging container. */
  async #play(spec: ContainerSpec, options: RunOptions, printed: { bytes: number; redacted: number }): Promise<ScriptedOutcome> {
    const outcome = await this.#script(spec);
    if (options.logFile !== undefined && outcome.output !== undefined) {
      const { text, count } = redactSecrets(outcome.output, options.secrets ?? []);
      printed.bytes += Buffer.byteLength(outcome.output);
      printed.redacted += count;
      await appendLog(options.logFile, text);
    }
    return outcome.hang === true ? new Promise<never>(() => {}) : outcome;
  }

  #requireAvailable(): void {
    if (!this.available) throw dockerUnavailable('the fake runtime');
  }
}

function hasLabels(containerLabels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => containerLabels[key] === value);
}

async function appendLog(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text);
  } catch (error) {
    throw logFileUnwritable(path, error);
  }
}
