import type { GantryConfig } from '../config/types.ts';
import type { Task } from '../queue/types.ts';
import type { SessionUsage } from '../reports/index.ts';

/** Where things sit inside an agent container; the brief tells the agent the same paths. */
export const CONTAINER_PATHS = {
  workTree: '/work',
  /** Read-only: the brief, the suite definition and main's last results. */
  context: '/gantry',
  brief: '/gantry/brief.md',
  /** Inside the work tree (the only writable mount); excluded from commits. */
  doneFile: '/work/.gantry/done',
} as const;

/**
 * What every agent CLI is asked at the start of a session; the brief holds the
 * task itself. It opens with the task's id, so that whatever sees the model
 * calls (a proxy, the provider's logs, a scripted test server) can tell which
 * task made them.
 */
export function sessionPrompt(context: SessionContext): string {
  return [
    `Task ${context.task.id}.`,
    `Your task and everything you need to know about it is in the brief at $GANTRY_TASK_FILE (${CONTAINER_PATHS.brief}).`,
    'Read it first, then do the task as it says.',
    `The repository is ${CONTAINER_PATHS.workTree}: commit your work there with git, since uncommitted changes are lost.`,
    'When the task is done, run `gantry-agent done --summary "<what you did>"`.',
  ].join(' ');
}

export interface SessionContext {
  task: Task;
  attempt: number;
  session: number;
}

export interface SessionInvocation {
  /** argv run in the container. */
  command: string[];
  env: Record<string, string>;
}

/**
 * How a session ended in its agent's own words: `ok` (it ran to its end;
 * whether the task is done is the done file's say), `rate-limited` (the
 * provider said wait: resume later, not a failure), `auth` (the provider
 * refused the key: no session of it can help) or `error`.
 */
export type AgentEnd = 'ok' | 'rate-limited' | 'auth' | 'error';

export interface SessionReport {
  end: AgentEnd;
  usage: SessionUsage;
  /** The CLI's own session id, when it has one. */
  sessionId?: string;
  turns?: number;
  /** What went wrong, for every end but `ok`. */
  message?: string;
}

/**
 * One adapter per agent CLI: how to start a session of it and how to read
 * what it printed. The session loop, container and brief are the same for
 * every kind.
 */
export interface AgentAdapter {
  readonly kind: GantryConfig['agent']['kind'];
  /** Who serves the model; rate limits and key failures are shared per provider. */
  readonly provider: string;
  invocation(context: SessionContext): SessionInvocation;
  /** Reads the session's output (stdout and stderr, as logged). */
  report(output: string): SessionReport;
}

/** Environment every session gets, whatever the agent kind. */
export function sessionEnv(config: GantryConfig, context: SessionContext): Record<string, string> {
  return {
    ...config.agent.env,
    HOME: '/home/agent',
    GANTRY_TASK_ID: context.task.id,
    GANTRY_TASK_FILE: CONTAINER_PATHS.brief,
    GANTRY_DONE_FILE: CONTAINER_PATHS.doneFile,
    GANTRY_ATTEMPT: String(context.attempt),
    GANTRY_SESSION: String(context.session),
    ...agentGitIdentity(context.task),
  };
}

/** Who the agent's commits say made them: the task's role and id. */
export function agentGitIdentity(task: Pick<Task, 'id' | 'role'>): Record<string, string> {
  const name = `gantry agent (${task.role})`;
  const email = `agent+${task.id}@gantry.localhost`;
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}
