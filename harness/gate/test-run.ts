import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GantryConfig } from '../config/types.ts';
import { messageOf } from '../errors.ts';
import type { ControllerRepo } from '../git/types.ts';
import { chownTree, overlayTrusted } from '../git/index.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { gantryLabels } from '../runtime/labels.ts';
import { parseResults, type SuiteRun } from './results/index.ts';

export interface TestRunResult {
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  /** The last lines the tests printed, for the task's next brief. */
  outputTail: string;
  /** Per-test results, unless the suite reports by exit code only (or its report could not be read). */
  results?: SuiteRun;
  /** Why the per-test report could not be read. */
  resultsError?: string;
}

export interface TestRunInput {
  config: GantryConfig;
  runtime: ContainerRuntime;
  repo: ControllerRepo;
  run: string;
  /** Label of the run's container: a task id, or 'batch'. */
  label: string;
  commit: string;
  /** Main's commit whose trusted paths (tests, test config) replace the commit's own. */
  trustedFrom?: string;
  /** The suite command; defaults to the full suite (`gate.command`). */
  command?: string;
  logFile: string;
}

const TAIL_LINES = 40;
const RESULTS_DIR = '/gantry/results';
const RESULTS_FILE = `${RESULTS_DIR}/results.out`;

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/** With `results: stdout`, the report is the command's standard output: keep a copy where the file would be. */
function shellCommand(config: GantryConfig, command: string): string {
  if (config.gate.format === 'exit-code' || config.gate.results === 'file') return command;
  return `{ ${command}\n} > ${RESULTS_FILE}; code=$?; cat ${RESULTS_FILE}; exit $code`;
}

/**
 * Runs the suite on one commit, in a hardened container of its own, on a
 * plain copy of the tree (never an agent's work tree) in which the trusted
 * paths are main's, and reads its per-test report.
 */
export async function runTests(input: TestRunInput): Promise<TestRunResult> {
  const { config } = input;
  const dir = await mkdtemp(join(config.stateDir, 'gate-'));
  const tree = join(dir, 'tree');
  const results = join(dir, 'results');
  try {
    await mkdir(dirname(input.logFile), { recursive: true });
    await mkdir(results);
    await input.repo.exportTree(input.commit, tree);
    if (input.trustedFrom) await overlayTrusted(input.repo, { mainCommit: input.trustedFrom, treeDir: tree, globs: config.gate.trusted });
    await chownTree(dir, config.container.user);
    const exit = await input.runtime.run(
      {
        image: config.gate.image,
        command: ['sh', '-c', shellCommand(config, input.command ?? config.gate.command)],
        env: { CI: 'true', HOME: '/home/agent', GANTRY_RESULTS: RESULTS_FILE },
        workdir: '/work',
        mounts: [
          { hostPath: tree, containerPath: '/work', readOnly: false },
          { hostPath: results, containerPath: RESULTS_DIR, readOnly: false },
        ],
        labels: gantryLabels({ run: input.run, task: input.label, purpose: 'gate' }),
        limits: config.container,
        network: config.container.network,
        user: config.container.user,
      },
      { timeoutMs: config.gate.timeoutMs, logFile: input.logFile },
    );
    const outcome: TestRunResult = {
      exitCode: exit.exitCode,
      timedOut: exit.timedOut,
      oomKilled: exit.oomKilled,
      durationMs: exit.durationMs,
      outputTail: await tail(input.logFile),
    };
    if (config.gate.format === 'exit-code' || exit.timedOut || exit.oomKilled) return outcome;
    try {
      const report = await readFile(join(results, 'results.out'), 'utf8');
      outcome.results = parseResults(config.gate.format, report, { root: '/work' });
    } catch (error) {
      outcome.resultsError = messageOf(error);
    }
    return outcome;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
