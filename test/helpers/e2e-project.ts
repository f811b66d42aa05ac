import { execa } from 'execa';
import { afterEach, expect, inject } from 'vitest';
import type { TaskRecord } from '../../harness/queue/index.ts';
import { makeProject, type Project, type ProjectOptions } from './project-fixture.ts';

/**
 * Per test: the returned function makes a fixture project on the suite's
 * Redis (see makeProject); every project it made is cleaned up after the test.
 */
export function useProject(): (options?: ProjectOptions) => Promise<Project> {
  const made: Project[] = [];
  afterEach(async () => {
    for (const project of made.splice(0)) await project.cleanup();
  });
  return async (options) => {
    const project = await makeProject(inject('redisUrl'), options);
    made.push(project);
    return project;
  };
}

/** Queues each of `texts` with `gantry task add`, failing the test if one is refused; returns their ids in order. */
export async function addTasks(project: Project, texts: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) {
    const added = await project.gantry(['task', 'add', text]);
    expect(added.exitCode, added.stderr).toBe(0);
    ids.push(added.stdout.trim().split(' ').pop() ?? '');
  }
  return ids;
}

/** Every task with its state, as `gantry task list --json` prints them. */
export async function listTasks(project: Project): Promise<TaskRecord[]> {
  return JSON.parse((await project.gantry(['task', 'list', '--json'])).stdout) as TaskRecord[];
}

/** Ids of the containers of the project's run that still exist. */
export async function runContainers(project: Project): Promise<string[]> {
  const run = await project.run();
  if (!run) throw new Error('the project has no run yet');
  const { stdout } = await execa('docker', ['ps', '-aq', '--filter', `label=gantry.run=${run}`]);
  return stdout.split('\n').filter(Boolean);
}
