import { execa } from 'execa';
import { GitError } from '../errors.ts';

/** Identity of every commit and tag the controller itself makes. */
export const CONTROLLER_IDENTITY = { name: 'gantry', email: 'gantry@localhost' } as const;

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Variables the operator may set to reach the upstream (ssh keys, askpass).
 * Every other GIT_* variable is dropped: GIT_DIR, GIT_INDEX_FILE,
 * GIT_CONFIG_PARAMETERS and friends would point git at another repository or
 * inject config.
 */
const PASSED_THROUGH = new Set(['GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS']);

export interface GitCallOptions {
  cwd: string;
  /** Killed after this long; calls that cross the network pass more. @defaultValue 60 000 */
  timeoutMs?: number;
  /** Exit codes that are answers rather than failures (merge-tree exits 1 on conflicts). */
  okExitCodes?: readonly number[];
  /** Written to git's stdin. */
  input?: string;
  /**
   * The upstream this call talks to. When set, a failure that means the
   * upstream cannot be reached becomes REPO_UNREACHABLE (retryable).
   */
  upstream?: string;
  /**
   * Sent as `Authorization: Bearer` on every HTTP request of the call. Given
   * through the environment, never the command line, where `ps` would show it.
   */
  bearer?: string;
}

export interface GitOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * The environment of every git the controller runs: no system or global
 * config (only what the controller passes with -c counts), never a prompt, a
 * fixed identity, no replace refs, and C locale so messages parse the same
 * everywhere.
 */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (name.startsWith('GIT_') && !PASSED_THROUGH.has(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_AUTHOR_NAME: CONTROLLER_IDENTITY.name,
    GIT_AUTHOR_EMAIL: CONTROLLER_IDENTITY.email,
    GIT_COMMITTER_NAME: CONTROLLER_IDENTITY.name,
    GIT_COMMITTER_EMAIL: CONTROLLER_IDENTITY.email,
    LC_ALL: 'C',
  };
}

/**
 * Every call: hooks and fsmonitor off (the controller never needs them, and it
 * is one less thing a repository's content could switch on); automatic
 * housekeeping in the foreground, so no git process outlives the call that
 * started it (a detached gc would still be writing when the controller stops
 * or a work tree is removed).
 */
const FIXED_CONFIG = ['core.hooksPath=/dev/null', 'core.fsmonitor=false', 'gc.autoDetach=false', 'maintenance.autoDetach=false'].flatMap((setting) => ['-c', setting]);

/** Runs git the one way the controller runs it (see FIXED_CONFIG). */
export async function runGit(args: readonly string[], options: GitCallOptions): Promise<GitOutput> {
  const result = await execa('git', [...FIXED_CONFIG, ...args], {
    cwd: options.cwd,
    env: { ...gitEnv(), ...(options.bearer === undefined ? {} : bearerConfig(options.bearer)) },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    forceKillAfterDelay: 5_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  const output: GitOutput = { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
  if (result.timedOut) {
    throw gitFailure(args, options, output, `timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
  }
  if (result.exitCode === 0 || (result.exitCode !== undefined && options.okExitCodes?.includes(result.exitCode))) {
    return output;
  }
  throw gitFailure(args, options, output);
}

/** Environment that gives git these settings (`GIT_CONFIG_COUNT`): out of argv, where `ps` would show them. */
export function configEnv(settings: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: String(settings.length),
    ...Object.fromEntries(settings.flatMap(([key, value], index) => [[`GIT_CONFIG_KEY_${index}`, key], [`GIT_CONFIG_VALUE_${index}`, value]])),
  };
}

/** Environment that makes git send `Authorization: Bearer <token>` on every HTTP request. */
export function bearerConfig(token: string): Record<string, string> {
  return configEnv([['http.extraHeader', `Authorization: Bearer ${token}`]]);
}

const UNREACHABLE = [
  /could not read from remote repository/i,
  /does not appear to be a git repository/i,
  /unable to access/i,
  /could not resolve host/i,
  /connection (refused|timed out|reset|closed)/i,
  /unable to connect/i,
  /repository .* not found/i,
  /host key verification failed/i,
  /permission denied/i,
];

/** The GitError for a git call that failed, or whose output the caller judged a failure. */
export function gitFailure(args: readonly string[], options: GitCallOptions, output: GitOutput, reason?: string): GitError {
  const command = `git ${args.join(' ')}`;
  const detail = firstLines(output.stderr) || firstLines(output.stdout) || '(no output)';
  const timedOut = reason !== undefined;
  const data = { command, cwd: options.cwd, exitCode: output.exitCode, stderr: firstLines(output.stderr) };
  if (options.upstream !== undefined && (timedOut || UNREACHABLE.some((pattern) => pattern.test(output.stderr)))) {
    return new GitError(
      'REPO_UNREACHABLE',
      `Upstream ${options.upstream} not reachable (${command} in ${options.cwd}${timedOut ? `, ${reason}` : ''}): ${detail}. ` +
        'Check that the path or URL is right, the network is up and the credentials (ssh key, GIT_SSH_COMMAND) work.',
      { retryable: true, data: { ...data, upstream: options.upstream } },
    );
  }
  return new GitError(
    'GIT_FAILED',
    `${command} failed in ${options.cwd} (${reason ?? `exit ${output.exitCode}`}): ${detail}`,
    { retryable: timedOut, data },
  );
}

function firstLines(text: string, count = 3): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).slice(0, count).join(' | ');
}
