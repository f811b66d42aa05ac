import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GantryConfig } from '../config/types.ts';
import type { ControllerRepo } from '../git/types.ts';
import { chownTree } from '../git/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';

export interface TestRunResult {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  /** The last lines the tests printed, for the task's next brief. */
  outputTail: string;
}

export interface TestRunInput {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  run: string;
  taskId: string;
  commit: string;
  logFile: string;
}

const TAIL_LINES = 40;

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/**
 * Runs the configured test command on one commit, in a hardened container of
 * its own, on a plain copy of the tree (never an agent's work tree).
 */
export async function runTests(input: TestRunInput): Promise<TestRunResult> {
  const { config } = input;
  const dir = await mkdtemp(join(config.stateDir, 'gate-'));
  try {
    await mkdir(dirname(input.logFile), { recursive: true });
    await input.repo.exportTree(input.commit, dir);
    await chownTree(dir, config.container.user);
    const exit = await input.runtime.run(
      {
        image: config.gate.image,
        command: ['sh', '-c', config.gate.command],
        env: { CI: 'true', HOME: '/home/agent' },
        workdir: '/work',
        mounts: [{ hostPath: dir, containerPath: '/work', readOnly: false }],
        labels: gantryLabels({ run: input.run, task: input.taskId, purpose: 'gate' }),
        limits: config.container,
        network: config.container.network,
        user: config.container.user,
      },
      { timeoutMs: config.gate.timeoutMs, logFile: input.logFile },
    );
    return {
      passed: exit.exitCode === 0,
      exitCode: exit.exitCode,
      timedOut: exit.timedOut,
      oomKilled: exit.oomKilled,
      durationMs: exit.durationMs,
      outputTail: await tail(input.logFile),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
