import { join } from 'node:path';
import { agentGitIdentity, CONTAINER_PATHS } from '../agents/index.ts';
import type { GantryConfig } from '../config/types.ts';
import { messageOf } from '../errors.ts';
import { clearStaleLocks } from '../git/index.ts';
import type { Workspace } from '../git/types.ts';
import type { Logger } from '../log.ts';
import type { Task } from '../queue/types.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';

/** A checkpoint is a git commit of a small tree; past this it is left to the work tree on disk. */
const CHECKPOINT_TIMEOUT_MS = 20_000;

export const CHECKPOINT_MESSAGE = 'gantry: work in progress when the controller stopped';

export interface CheckpointInput {
  config: GantryConfig;
  runtime: ContainerRuntime;
  task: Task;
  workspace: Workspace;
  run: string;
  /** Where the checkpoint's output goes. */
  dir: string;
  logger: Logger;
}

/**
 * Commits what a session stopped by shutdown left uncommitted, so the branch
 * holds it whatever happens to the work tree before the task resumes. Git
 * runs in a container of the agent's image with no network, never on the
 * controller: the repository is the agent's and may be hostile. Best effort:
 * on failure the changes are still in the work tree, which the next attempt
 * reuses.
 */
export async function checkpointWork(input: CheckpointInput): Promise<boolean> {
  const { config, task, workspace } = input;
  const script = `git add -A && { git diff --cached --quiet || git commit -q --no-verify -m '${CHECKPOINT_MESSAGE}'; }`;
  try {
    // The session was stopped, maybe in the middle of a commit: its locks would fail this one.
    await clearStaleLocks(workspace.path);
    const exit = await input.runtime.run(
      {
        image: config.agent.image,
        command: ['sh', '-c', script],
        env: { HOME: '/home/agent', ...agentGitIdentity(task) },
        workdir: CONTAINER_PATHS.workTree,
        mounts: [{ hostPath: workspace.path, containerPath: CONTAINER_PATHS.workTree, readOnly: false }],
        labels: gantryLabels({ run: input.run, task: task.id, role: task.role, purpose: 'checkpoint' }),
        limits: config.container,
        network: 'none',
        user: config.container.user,
      },
      { timeoutMs: CHECKPOINT_TIMEOUT_MS, logFile: join(input.dir, 'checkpoint.log') },
    );
    if (exit.exitCode === 0) return true;
    input.logger.warn({ task: task.id, exitCode: exit.exitCode }, 'could not commit the stopped session\'s work; it stays in the work tree');
  } catch (error) {
    input.logger.warn({ task: task.id, err: messageOf(error) }, 'could not commit the stopped session\'s work; it stays in the work tree');
  }
  return false;
}
