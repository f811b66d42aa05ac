import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { blockedError, CONTAINER_PATHS } from '../agents/index.ts';
import type { GantryConfig } from '../config/types.ts';
import { AgentError, GantryError, messageOf } from '../errors.ts';
import { clearStaleLocks, realDirectory } from '../git/index.ts';
import type { Workspace } from '../git/types.ts';
import type { SuiteRun } from '../gate/results/index.ts';
import { renderBrief, type BriefInput, type BriefMemory, type OtherBranch } from '../memory/index.ts';
import type { TaskLedger } from '../queue/index.ts';
import type { TaskAttempt } from '../queue/types.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';
import { secretValues } from '../runtime/redacting-stream.ts';
import { AGENT_API_MOUNT, type SessionApi } from '../server/index.ts';
import { checkpointWork } from './checkpoint.ts';
import { admitSession, settleProvider, type SessionGuards } from './session-guards.ts';
import { classify, containments, failure, logOffset, sessionOutput } from './session-outcome.ts';
import { SessionWatch } from './session-watch.ts';

/** The guards (agent, provider gate, budget, journal, logger) plus what the sessions run in. */
export interface SessionLoopInput extends SessionGuards {
  config: GantryConfig;
  runtime: ContainerRuntime;
  ledger: TaskLedger;
  attempt: TaskAttempt;
  workspace: Workspace;
  /** Where this attempt's briefs and session logs go. */
  dir: string;
  /** When the whole attempt must end (task time limit). */
  deadline: number;
  /** Main's last full-suite results, for `gantry-test --fast` to sample from. */
  baseline?: SuiteRun;
  /** Conflict prediction: who else works on these files (for each brief), and a look at the branch after each session that leaves work to do. */
  branches?: {
    others(): Promise<OtherBranch[]>;
    afterSession(): Promise<void>;
  };
  /** The shared memory: what each brief adds from it, and each session's agent API. */
  memory?: {
    brief(): Promise<BriefMemory>;
    openApi(ttlMs: number, session: number): Promise<SessionApi>;
  };
}

export interface SessionLoopResult {
  /** The agent declared the task done (otherwise the session limit ended the loop). */
  done: boolean;
  /** Sessions that counted toward `limits.sessions` (rate-limited ones do not). */
  sessions: number;
}

/**
 * Rate-limited sessions one attempt may run before it ends. Each waits out a
 * shared backoff first, so this is only reached when the provider refuses for
 * many minutes; the task is then retried later like any failed attempt.
 */
const MAX_RATE_LIMITED = 20;

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
 * container with no memory but the work tree and the brief. Before each, the
 * provider's backoff is waited out and the budgets are checked; after each,
 * the agent's report says what it cost and whether the provider refused it.
 */
export async function runSessions(input: SessionLoopInput): Promise<SessionLoopResult> {
  const { config, attempt, workspace } = input;
  const { task } = attempt;
  const doneFile = join(workspace.path, '.gantry', 'done');
  await realDirectory(dirname(doneFile));
  await rm(doneFile, { force: true });
  const contextDir = join(input.dir, 'context');
  await writeContext(input, contextDir);
  // Numbers go on from the sessions this attempt ran before it was parked or
  // put back, so that their logs and journal entries stay apart.
  let session = (await input.ledger.sessions(task.id)).filter((entry) => entry.attempt === attempt.attempt).length;
  let counted = 0;
  let rateLimited = 0;
  while (counted < config.limits.sessions) {
    session += 1;
    if (attempt.signal.aborted) throw new GantryError('SHUTDOWN_TIMEOUT', `task ${task.id}: stopped by shutdown before session ${session}`, { retryable: true });
    const reservation = await admitSession(input, attempt, session, config.budget.perTask);
    try {
      const remaining = input.deadline - Date.now();
      if (remaining <= 0) {
        throw new AgentError('AGENT_FAILED', `the task ran past its time limit of ${Math.round(config.limits.taskTimeoutMs / 1000)} s before session ${session}`, { retryable: true });
      }
      const role = config.roles.roles[task.role];
      const briefInput: BriefInput = {
        task,
        ...(role ? { role } : {}),
        attempt: attempt.attempt,
        maxAttempts: attempt.maxAttempts,
        session: counted + 1,
        maxSessions: config.limits.sessions,
        sessions: await input.ledger.sessions(task.id),
        failures: await input.ledger.failures(task.id),
        paths: { workTree: CONTAINER_PATHS.workTree, doneFile: CONTAINER_PATHS.doneFile },
        main: config.repo.main,
        ...(input.branches ? { otherBranches: await input.branches.others() } : {}),
        ...(input.memory ? { memory: await input.memory.brief() } : {}),
      };
      const brief = renderBrief(briefInput);
      // The session reads context/brief.md; brief-<n>.md keeps what each session was told.
      await writeFile(join(input.dir, `brief-${session}.md`), brief);
      await writeFile(join(contextDir, 'brief.md'), brief);
      // The same, for agents and tools that would rather not parse markdown.
      await writeFile(join(contextDir, 'brief.json'), `${JSON.stringify(briefInput, null, 2)}\n`);
      const invocation = input.agent.invocation({ task, attempt: attempt.attempt, session });
      const timeoutMs = Math.min(config.limits.sessionTimeoutMs, remaining);
      const logFile = join(input.dir, `session-${session}.log`);
      const offset = await logOffset(logFile);
      // A session stopped mid-commit leaves git's locks, and every git command of the next would fail on them.
      const locks = await clearStaleLocks(workspace.path);
      if (locks.length > 0) input.logger.info({ session, locks }, 'removed the git locks a stopped session left');
      const startedAt = new Date();
      await input.journal.append({ type: 'session.started', task: task.id, attempt: attempt.attempt, session });
      const watch = new SessionWatch(workspace.path, { ...config.container, idleTimeoutMs: config.limits.idleTimeoutMs });
      // The token lives as long as the session may, and a little: the API goes when the session ends.
      const api = await input.memory?.openApi(timeoutMs + 60_000, session);
      let exit;
      try {
        const env = { ...invocation.env, ...api?.env };
        exit = await input.runtime.run(
          {
            image: config.agent.image,
            command: invocation.command,
            env,
            workdir: CONTAINER_PATHS.workTree,
            mounts: [
              { hostPath: workspace.path, containerPath: CONTAINER_PATHS.workTree, readOnly: false },
              { hostPath: contextDir, containerPath: CONTAINER_PATHS.context, readOnly: true },
              ...(api ? [{ hostPath: api.dir, containerPath: AGENT_API_MOUNT, readOnly: true }] : []),
            ],
            labels: gantryLabels({ run: input.journal.run, task: task.id, role: task.role, purpose: 'session' }),
            limits: config.container,
            network: config.container.network,
            user: config.container.user,
          },
          { timeoutMs, logFile, signal: attempt.signal, watch, secrets: secretValues(env) },
        );
      } finally {
        await api?.close().catch((error: unknown) => input.logger.warn({ session, err: messageOf(error) }, 'could not close the session\'s agent API; its token lapses on its own'));
      }
      const report = input.agent.report(await sessionOutput(logFile, offset));
      const end = classify(exit, report, await exists(doneFile));
      const { costUsd } = report.usage;
      // Only sessions that did their work tell what a session costs (see BudgetGuard).
      await reservation.settle(costUsd, { sample: end !== 'aborted' && end !== 'rate-limited' && end !== 'auth' });
      await input.ledger.recordSession(task.id, {
        attempt: attempt.attempt, session, startedAt: startedAt.toISOString(), durationMs: exit.durationMs, exitCode: exit.exitCode, end, costUsd,
      });
      await input.journal.append({
        type: 'session.ended', task: task.id, attempt: attempt.attempt, session, exitCode: exit.exitCode, end, durationMs: exit.durationMs, ...report.usage,
      });
      for (const { kind, detail } of containments(exit, watch, config, timeoutMs)) {
        input.logger.warn({ session, kind }, `session ${detail}`);
        await input.journal.append({ type: 'contained', task: task.id, attempt: attempt.attempt, session, kind, detail });
      }
      // A killed agent did not get to say how its provider answered.
      if (!exit.aborted && !exit.timedOut && !exit.oomKilled) await settleProvider(input, attempt, report, startedAt);
      if (end === 'aborted') {
        await checkpointWork({ config, runtime: input.runtime, task, workspace, run: input.journal.run, dir: input.dir, logger: input.logger });
        throw new GantryError('SHUTDOWN_TIMEOUT', `task ${task.id}: session ${session} stopped by shutdown`, { retryable: true });
      }
      if (end === 'auth') throw blockedError({ provider: report.usage.provider, message: report.message ?? 'the provider refused the key' });
      if (end === 'rate-limited') {
        rateLimited += 1;
        if (rateLimited < MAX_RATE_LIMITED) continue;
        throw new AgentError(
          'AGENT_FAILED',
          `provider ${report.usage.provider} rate-limited ${rateLimited} sessions of this attempt, each after a backoff: ` +
            'the task is tried again later; if this persists, lower concurrency or raise the provider\'s limits',
          { retryable: true },
        );
      }
      counted += 1;
      if (end === 'done') return { done: true, sessions: counted };
      if (end !== 'continue') throw failure(end, exit, session, config, timeoutMs, watch.verdict?.detail);
      if (counted < config.limits.sessions) await input.branches?.afterSession();
    } finally {
      // Releases the place of a session that never ran (settled ones ignore this).
      await reservation.settle(0, { sample: false });
    }
  }
  return { done: false, sessions: counted };
}
