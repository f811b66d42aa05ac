import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentAdapter } from '../agents/index.ts';
import { CONTAINER_PATHS } from '../agents/index.ts';
import type { GantryConfig } from '../config/types.ts';
import { AgentError, GantryError } from '../errors.ts';
import type { Workspace } from '../git/types.ts';
import type { SuiteRun } from '../gate/results/index.ts';
import { renderBrief } from '../memory/index.ts';
import type { TaskLedger } from '../queue/index.ts';
import type { TaskAttempt } from '../queue/types.ts';
import type { Journal, SessionEnd } from '../reports/index.ts';
import type { ContainerExit, ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';

export interface SessionLoopInput {
  config: GantryConfig;
  runtime: ContainerRuntime;
  agent: AgentAdapter;
  ledger: TaskLedger;
  journal: Journal;
  attempt: TaskAttempt;
  workspace: Workspace;
  /** Where this attempt's briefs and session logs go. */
  dir: string;
  /** When the whole attempt must end (task time limit). */
  deadline: number;
  /** Main's last full-suite results, for `gantry-test --fast` to sample from. */
  baseline?: SuiteRun;
}

export interface SessionLoopResult {
  /** The agent declared the task done (otherwise the session limit ended the loop). */
  done: boolean;
  sessions: number;
}

function classify(exit: ContainerExit, done: boolean): SessionEnd {
  if (exit.aborted) return 'aborted';
  if (exit.timedOut) return 'timeout';
  if (exit.oomKilled) return 'oom';
  if (exit.exitCode !== 0) return 'failed';
  return done ? 'done' : 'continue';
}

function failure(end: SessionEnd, exit: ContainerExit, session: number, config: GantryConfig, timeoutMs: number): AgentError {
  const where = `in session ${session}`;
  switch (end) {
    case 'timeout':
      return new AgentError('AGENT_FAILED', `the agent hung: no end ${where} after its time limit of ${Math.round(timeoutMs / 1000)} s`, { retryable: true });
    case 'oom':
      return new AgentError('AGENT_FAILED', `the agent was killed for running out of memory (limit ${config.container.memoryBytes} bytes) ${where}`, { retryable: true });
    default:
      return new AgentError('AGENT_FAILED', `the agent exited with code ${exit.exitCode} ${where}`, { retryable: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * The read-only context a session sees at /gantry: its brief, the gate's suite
 * definition and main's last results (what `gantry-test` reads).
 */
async function writeContext(input: SessionLoopInput, contextDir: string): Promise<void> {
  const { gate, repo } = input.config;
  await mkdir(contextDir, { recursive: true });
  const suite = {
    command: gate.command, format: gate.format, fastBudget: gate.fastBudget, root: CONTAINER_PATHS.workTree, main: repo.main,
    ...(gate.select ? { select: gate.select } : {}),
  };
  await writeFile(join(contextDir, 'suite.json'), `${JSON.stringify(suite, null, 2)}\n`);
  if (input.baseline) await writeFile(join(contextDir, 'tests.json'), JSON.stringify(input.baseline));
}

/**
 * Fresh sessions, one after another, until the agent declares the task done or
 * the session limit is reached. Each session is a new agent process in a new
 * container with no memory but the work tree and the brief.
 */
export async function runSessions(input: SessionLoopInput): Promise<SessionLoopResult> {
  const { config, attempt, workspace } = input;
  const { task } = attempt;
  const doneFile = join(workspace.path, '.gantry', 'done');
  await rm(doneFile, { force: true });
  const contextDir = join(input.dir, 'context');
  await writeContext(input, contextDir);
  for (let session = 1; session <= config.limits.sessions; session += 1) {
    if (attempt.signal.aborted) throw new GantryError('SHUTDOWN_TIMEOUT', `task ${task.id}: stopped by shutdown before session ${session}`, { retryable: true });
    const remaining = input.deadline - Date.now();
    if (remaining <= 0) {
      throw new AgentError('AGENT_FAILED', `the task ran past its time limit of ${Math.round(config.limits.taskTimeoutMs / 1000)} s before session ${session}`, { retryable: true });
    }
    const brief = renderBrief({
      task,
      attempt: attempt.attempt,
      maxAttempts: attempt.maxAttempts,
      session,
      maxSessions: config.limits.sessions,
      sessions: await input.ledger.sessions(task.id),
      failures: await input.ledger.failures(task.id),
      paths: { workTree: CONTAINER_PATHS.workTree, doneFile: CONTAINER_PATHS.doneFile },
      main: config.repo.main,
    });
    // The session reads context/brief.md; brief-<n>.md keeps what each session was told.
    await writeFile(join(input.dir, `brief-${session}.md`), brief);
    await writeFile(join(contextDir, 'brief.md'), brief);
    const invocation = input.agent.invocation({ task, attempt: attempt.attempt, session });
    const timeoutMs = Math.min(config.limits.sessionTimeoutMs, remaining);
    const startedAt = new Date();
    await input.journal.append({ type: 'session.started', task: task.id, attempt: attempt.attempt, session });
    const exit = await input.runtime.run(
      {
        image: config.agent.image,
        command: invocation.command,
        env: invocation.env,
        workdir: CONTAINER_PATHS.workTree,
        mounts: [
          { hostPath: workspace.path, containerPath: CONTAINER_PATHS.workTree, readOnly: false },
          { hostPath: contextDir, containerPath: CONTAINER_PATHS.context, readOnly: true },
        ],
        labels: gantryLabels({ run: input.journal.run, task: task.id, role: task.role, purpose: 'session' }),
        limits: config.container,
        network: config.container.network,
        user: config.container.user,
      },
      { timeoutMs, logFile: join(input.dir, `session-${session}.log`), signal: attempt.signal },
    );
    const end = classify(exit, await exists(doneFile));
    await input.ledger.recordSession(task.id, {
      attempt: attempt.attempt, session, startedAt: startedAt.toISOString(), durationMs: exit.durationMs, exitCode: exit.exitCode, end,
    });
    await input.journal.append({ type: 'session.ended', task: task.id, attempt: attempt.attempt, session, exitCode: exit.exitCode, end, durationMs: exit.durationMs });
    if (end === 'aborted') throw new GantryError('SHUTDOWN_TIMEOUT', `task ${task.id}: session ${session} stopped by shutdown`, { retryable: true });
    if (end === 'done') return { done: true, sessions: session };
    if (end !== 'continue') throw failure(end, exit, session, config, timeoutMs);
  }
  return { done: false, sessions: config.limits.sessions };
}
