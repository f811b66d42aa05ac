import type { RoleSettings } from '../roles/types.ts';
import type { ParsedConfig } from './schema.ts';

/**
 * The strict internal form of a config: paths absolute, sizes in bytes,
 * durations named with their unit. Everything past `loadConfig` uses this.
 */
export interface GantryConfig {
  /** Absolute path of the file this came from (or '<inline>'). */
  file: string;
  repo: { url: string; main: string; tokens: boolean };
  concurrency: number;
  /** Absolute. */
  stateDir: string;
  agent: {
    kind: ParsedConfig['agent']['kind'];
    image: string;
    command?: string;
    model?: string;
    env: Record<string, string>;
    /** Dollars per million tokens. */
    price?: { input: number; cachedInput: number; output: number };
  };
  gate: {
    command: string;
    format: ParsedConfig['gate']['format'];
    results: 'file' | 'stdout';
    select?: string;
    image: string;
    timeoutMs: number;
    trusted: string[];
    testChanges: 'deny' | 'review' | 'allow';
    reruns: number;
    quarantine: number;
    fastBudget: number;
  };
  limits: { sessions: number; sessionTimeoutMs: number; taskTimeoutMs: number; retries: number; idleTimeoutMs: number; branchFiles: number; minFreeDiskBytes: number };
  container: {
    memoryBytes: number; nanoCpus: number; pids: number; network: string; user: string;
    /** Largest file a container process may write (RLIMIT_FSIZE) and largest blob a branch may bring in. */
    fileSizeBytes: number;
    /** Work-tree limits a session's watch enforces. */
    diskBytes: number; files: number;
  };
  queue: { prefix: string; leaseMs: number };
  shutdown: { graceMs: number; forceMs: number };
  /** Dollars; an absent limit is no limit. */
  budget: { run?: number; perTask?: number; perRole: Record<string, number> };
  /** The roles: built-in and the project's, each file read and checked. */
  roles: RoleSettings;
  /** Absent when the file has no `oracle:` section. */
  oracle?: OracleConfig;
  /** `server:`, with GANTRY_SERVER_HOST, GANTRY_SERVER_PORT and GANTRY_SERVER_TOKEN applied. */
  server: { enabled: boolean; host: string; port: number; token?: string };
  redisUrl: string;
}

/** `oracle:` — how mixes of candidate and oracle units are built and judged. */
export interface OracleConfig {
  /** Exactly one is set (a rule checks it). */
  units: { glob?: string; list?: string[]; command?: string };
  build: string;
  judge: { kind: 'exit-code' | 'compare' | 'custom'; command: string; verdict?: string };
  image: string;
  env: Record<string, string>;
  parallel: number;
  confirm: number;
  role: string;
  check?: string;
  timeouts: { buildMs: number; judgeMs: number; checkMs: number };
}
