import { readFile, stat } from 'node:fs/promises';
import type { SessionReport } from '../agents/index.ts';
import type { GantryConfig } from '../config/types.ts';
import { AgentError } from '../errors.ts';
import type { ContainmentKind, SessionEnd } from '../reports/index.ts';
import type { ContainerExit } from '../runtime/container-runtime.ts';
import type { SessionWatch } from './session-watch.ts';

/** Where a session's output will start in its log (the runtime appends; a log may hold an earlier run's). */
export async function logOffset(logFile: string): Promise<number> {
  return stat(logFile).then((info) => info.size, () => 0);
}

/** What the session wrote to its log from `offset` on: its stdout and stderr. */
export async function sessionOutput(logFile: string, offset: number): Promise<string> {
  const log = await readFile(logFile).catch(() => Buffer.alloc(0));
  return log.subarray(offset).toString('utf8');
}

/** How a process killed by SIGKILL exits (128 + 9): what the OOM killer sends. */
const SIGKILL_EXIT_CODE = 137;

/**
 * Killed by a SIGKILL nobody here sent, and Docker did not say it was the OOM
 * killer. Docker learns of an OOM kill from an event that is dropped when the
 * container's cgroup is gone before it is handled (a loaded host, an agent
 * whose shell exits the moment its child is killed), so such a kill is most
 * likely the memory limit; a `docker kill` from outside looks the same.
 */
function unconfirmedOomKill(exit: ContainerExit): boolean {
  return exit.exitCode === SIGKILL_EXIT_CODE && !exit.oomKilled && !exit.timedOut && !exit.aborted && exit.stopped === undefined;
}

/**
 * How a session ended, from the container's exit, the agent's report and the
 * done file. The container's own ends come first (a killed agent's report is
 * partial). Then the provider's verdict: a CLI that gave up on a rate limit or
 * a refused key usually exits non-zero, and that is no failure of the agent.
 * An `error` report with exit code 0 ends like `ok`: the CLI ended cleanly
 * (a turn limit, an API error it got past, a result line gantry cannot read),
 * so the work tree and the done file say more than the report does, and the
 * session limit bounds a run of such sessions.
 */
export function classify(exit: ContainerExit, report: SessionReport, done: boolean): SessionEnd {
  if (exit.aborted) return 'aborted';
  if (exit.timedOut) return 'timeout';
  if (exit.stopped === 'hung') return 'hung';
  if (exit.stopped !== undefined) return 'disk';
  if (exit.oomKilled || unconfirmedOomKill(exit)) return 'oom';
  if (report.end === 'rate-limited' || report.end === 'auth') return report.end;
  if (exit.exitCode !== 0) return 'failed';
  return done ? 'done' : 'continue';
}

/**
 * The retryable failure a session's end means, for `timeout`, `hung`, `disk`,
 * `oom` and `failed`; `watched` is what the session watch saw.
 */
export function failure(end: SessionEnd, exit: ContainerExit, session: number, config: GantryConfig, timeoutMs: number, watched = ''): AgentError {
  const where = `in session ${session}`;
  switch (end) {
    case 'timeout':
      return new AgentError('AGENT_FAILED', `the agent hung: no end ${where} after its time limit of ${Math.round(timeoutMs / 1000)} s`, { retryable: true });
    case 'hung':
      return new AgentError('AGENT_FAILED', `the agent hung ${where}: ${watched}; it was stopped`, { retryable: true });
    case 'disk':
      return new AgentError('WORK_TREE_LIMIT', `session ${session} was stopped: ${watched}. The work tree was archived and the next attempt starts from main; keep build output and large files out of the work tree`, { retryable: true });
    case 'oom':
      return new AgentError('AGENT_FAILED', `the agent was killed for running out of memory (limit ${config.container.memoryBytes} bytes) ${where}${unconfirmedOomKill(exit) ? ' most likely: it got a SIGKILL, which Docker did not report as an out-of-memory kill' : ''}`, { retryable: true });
    default:
      return new AgentError('AGENT_FAILED', `the agent exited with code ${exit.exitCode} ${where}`, { retryable: true });
  }
}

export interface Containment {
  kind: ContainmentKind;
  detail: string;
}

/** What the container's limits and the session watch stopped in one session, for the journal. */
export function containments(exit: ContainerExit, watch: Pick<SessionWatch, 'verdict' | 'pidsLimitReached'>, config: GantryConfig, timeoutMs: number): Containment[] {
  const { container } = config;
  const found: Containment[] = [];
  const limit = `its memory limit of ${Math.round(container.memoryBytes / 2 ** 20)} MiB (container.memory)`;
  if (exit.oomKilled) found.push({ kind: 'memory', detail: `killed at ${limit}` });
  else if (unconfirmedOomKill(exit)) found.push({ kind: 'memory', detail: `killed by a SIGKILL, most likely at ${limit}; Docker did not report it as an out-of-memory kill` });
  if (watch.pidsLimitReached) found.push({ kind: 'processes', detail: `reached its limit of ${container.pids} processes (container.pids); more were refused` });
  if (exit.stopped !== undefined && watch.verdict) found.push({ kind: watch.verdict.kind, detail: `stopped: ${watch.verdict.detail}` });
  if (exit.timedOut) found.push({ kind: 'time', detail: `stopped at its time limit of ${Math.round(timeoutMs / 1000)} s` });
  if ((exit.redacted ?? 0) > 0) found.push({ kind: 'secret', detail: `printed a secret from its environment ${exit.redacted} time(s); the log has *** in its place` });
  return found;
}
