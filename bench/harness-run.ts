import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { GantryError } from '../harness/errors.ts';
import { journalPath, readJournal } from '../harness/reports/index.ts';
import { makeProject, type Project, type ProjectOptions } from '../test/helpers/project-fixture.ts';
import { journalTiming, type JournalTiming } from './journal-timing.ts';
import { timed } from './stats.ts';

/** A fixture project for one measurement; every run's containers, keys and files go with it. */
export interface BenchProject {
  project: Project;
  /** `gantry run --until-idle`: its wall time and the run id. */
  runUntilIdle(): Promise<{ wallMs: number; run: string }>;
  addTasks(texts: readonly string[]): Promise<void>;
  /** Timing from the run's journal, checking that it merged `expected` tasks. */
  timing(run: string, expected: number): Promise<JournalTiming>;
}

async function gantry(project: Project, args: string[]): Promise<void> {
  const result = await project.gantry(args, { timeout: 600_000 });
  if (result.exitCode !== 0) {
    throw new GantryError('ILLEGAL_STATE', `gantry ${args.join(' ')} exited ${result.exitCode} in ${project.dir}:\n${result.stderr}`);
  }
}

export async function withBenchProject<T>(redisUrl: string, options: ProjectOptions, work: (bench: BenchProject) => Promise<T>): Promise<T> {
  const project = await makeProject(redisUrl, options);
  const runs: string[] = [];
  const bench: BenchProject = {
    project,
    async runUntilIdle() {
      const wallMs = await timed(() => gantry(project, ['run', '--until-idle']));
      const run = await project.run();
      if (!run) throw new GantryError('ILLEGAL_STATE', `gantry run left no run id under ${project.prefix}:run`);
      runs.push(run);
      return { wallMs, run };
    },
    async addTasks(texts) {
      for (const text of texts) await gantry(project, ['task', 'add', text]);
    },
    async timing(run, expected) {
      return journalTiming(await readJournal(journalPath(join(project.dir, 'state'), run)), expected);
    },
  };
  try {
    return await work(bench);
  } finally {
    for (const run of runs) await removeContainers(run);
    await project.cleanup();
  }
}

/** Removes every container labelled with run `run` (the harness removes its own; this catches leftovers). */
export async function removeContainers(run: string): Promise<void> {
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', 'label=gantry=true', '--filter', `label=gantry.run=${run}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await execa('docker', ['rm', '-f', ...ids]);
}

/** Runs `work` with a fresh run label for the containers it starts by hand, and removes them afterwards. */
export async function withRunLabel<T>(work: (run: string) => Promise<T>): Promise<T> {
  const run = `bench-${randomBytes(4).toString('hex')}`;
  try {
    return await work(run);
  } finally {
    await removeContainers(run);
  }
}
