/**
 * The container port. The controller only ever talks to this interface; the
 * dockerode adapter is the real one, the in-memory fake serves unit tests, and
 * one conformance suite holds both to the same behaviour.
 */

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  image: string;
  /** argv; no shell unless the argv asks for one. */
  command: string[];
  env: Record<string, string>;
  workdir?: string;
  mounts: Mount[];
  /** Must include the gantry labels (see labels.ts); the reaper finds containers by them. */
  labels: Record<string, string>;
  /** `fileSizeBytes`: the largest file any process may write (RLIMIT_FSIZE); a larger write fails. */
  limits: { memoryBytes: number; nanoCpus: number; pids: number; fileSizeBytes: number };
  /** 'none', 'bridge' or a network name. */
  network: string;
  /** Numeric 'uid:gid'; root is refused. */
  user: string;
}

export interface RunOptions {
  /** The container is killed when it runs longer than this. */
  timeoutMs: number;
  /** stdout and stderr are appended here while the container runs. */
  logFile?: string;
  /** Aborting kills the container (used by forced shutdown). */
  signal?: AbortSignal;
  /** Looks at the running container every `intervalMs`; a reason it gives stops the container. */
  watch?: ContainerWatch;
  /** Values replaced by `***` wherever the container prints them, before they reach the log file. */
  secrets?: readonly string[];
}

/** What a running container has used so far. */
export interface ContainerUsage {
  /** Processes it runs now. */
  pids: number;
  /** CPU time used, in nanoseconds. */
  cpuNs: number;
  /** Bytes received and sent on its network (0 without one). */
  networkBytes: number;
  /** Bytes of stdout and stderr so far. */
  outputBytes: number;
}

export interface ContainerWatch {
  intervalMs: number;
  /**
   * Returns why the container must stop (ContainerExit.stopped), or undefined
   * to let it run. It must not throw: a watch that cannot judge lets the
   * container run, and the run's timeout still bounds it.
   */
  check(usage: ContainerUsage): Promise<string | undefined>;
}

export interface ContainerExit {
  /** null when the container was killed (timeout or abort). */
  exitCode: number | null;
  oomKilled: boolean;
  timedOut: boolean;
  aborted: boolean;
  /** The reason the watch gave when it stopped the container. */
  stopped?: string;
  /** How many times a secret was replaced in the output. */
  redacted?: number;
  durationMs: number;
}

export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  running: boolean;
}

export interface ContainerRuntime {
  /** Throws DOCKER_UNAVAILABLE with the fix when the engine cannot be reached. */
  ping(): Promise<void>;
  hasImage(image: string): Promise<boolean>;
  /**
   * Create, start, stream logs, wait (with the timeout and the abort signal),
   * inspect for an OOM kill, then remove. Hardening (no capabilities,
   * no-new-privileges, read-only root with tmpfs, limits) is always applied.
   */
  run(spec: ContainerSpec, options: RunOptions): Promise<ContainerExit>;
  /** Containers whose labels include every given label. */
  list(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /** Force-removes every container whose labels include every given label; returns how many. */
  removeAll(labels: Record<string, string>): Promise<number>;
}
