import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { GantryConfig, OracleConfig } from '../config/types.ts';
import { ContainerError } from '../errors.ts';
import { chownTree } from '../git/index.ts';
import type { ContainerExit, ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';

/**
 * Runs a shell script of the oracle's (a mix, the unit listing, the
 * monolithic check) in a container of the oracle image, on a fresh copy of
 * main's exported tree: no network, the agent containers' limits and user.
 * Each run gets its own copy, so parallel probes never see each other's
 * build output.
 */

export interface ScriptRunnerDeps {
  config: Pick<GantryConfig, 'container'> & { oracle: OracleConfig };
  runtime: ContainerRuntime;
  /** The gantry run the containers belong to (their `gantry.run` label). */
  run: string;
  /** The `gantry.task` label: what the containers are for, so a restart can reap them. */
  label: string;
  /** Main's tree, exported and owned by the container user; copied, never written. */
  tree: string;
  /** Where each run's copy and files go (removed after the run). */
  scratch: string;
}

export interface ScriptRun {
  passed: boolean;
  exit: ContainerExit;
  /** What the script wrote to $GANTRY_OUTPUT. */
  output: string;
  /** The last lines it printed (stdout and stderr), to show a person why it failed. */
  tail: string;
}

export interface ScriptRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const PROBE_DIR = '/gantry/probe';
const TAIL_LINES = 30;

export class ScriptRunner {
  readonly #deps: ScriptRunnerDeps;

  constructor(deps: ScriptRunnerDeps) {
    this.#deps = deps;
  }

  async run(script: string, options: ScriptRunOptions): Promise<ScriptRun> {
    const { config, runtime, run, label, tree, scratch } = this.#deps;
    const dir = join(scratch, randomUUID());
    const probeDir = join(dir, 'probe');
    const log = join(dir, 'log');
    try {
      await mkdir(probeDir, { recursive: true });
      await writeFile(join(probeDir, 'script.sh'), script);
      // -a keeps the container user's ownership of the exported tree (the controller runs as root).
      await copyTree(tree, join(dir, 'work'));
      await chownTree(probeDir, config.container.user);
      const exit = await runtime.run(
        {
          image: config.oracle.image,
          command: ['sh', `${PROBE_DIR}/script.sh`],
          env: { HOME: '/home/agent', GANTRY_OUTPUT: `${PROBE_DIR}/output` },
          workdir: '/work',
          mounts: [
            { hostPath: join(dir, 'work'), containerPath: '/work', readOnly: false },
            { hostPath: probeDir, containerPath: PROBE_DIR, readOnly: false },
          ],
          labels: gantryLabels({ run, task: label, purpose: 'oracle' }),
          limits: config.container,
          network: 'none',
          user: config.container.user,
        },
        { timeoutMs: options.timeoutMs, logFile: log, ...(options.signal ? { signal: options.signal } : {}) },
      );
      options.signal?.throwIfAborted();
      return {
        passed: exit.exitCode === 0,
        exit,
        output: await readFile(join(probeDir, 'output'), 'utf8').catch(() => ''),
        tail: (await readFile(log, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-TAIL_LINES).join('\n'),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  const copied = await execa('cp', ['-a', from, to], { reject: false, stdin: 'ignore' });
  if (copied.exitCode !== 0) {
    throw new ContainerError('CONTAINER_FAILED', `could not copy main's tree ${from} to ${to} for a probe: ${copied.stderr.trim()}; check the free disk space under the state directory`);
  }
}

/** Why a failed run failed, in a few words: "timed out after 600 s", "exit 1". */
export function exitReason(exit: ContainerExit): string {
  if (exit.timedOut) return `timed out after ${Math.round(exit.durationMs / 1000)} s`;
  if (exit.oomKilled) return 'ran out of memory';
  return `exit ${exit.exitCode ?? 'none'}`;
}
