import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { GitControllerRepo } from '../../harness/git/index.ts';
import { makeStateDir, makeUpstream, type Upstream } from './git-fixture.ts';

export interface ControllerRepoContext {
  upstream: Upstream;
  /** The controller's state folder, which holds its clone and the task work trees. */
  stateDir: string;
  /** The controller's bare clone inside `stateDir`. */
  gitDir: string;
  /** Already cloned (ensureClone). */
  repo: GitControllerRepo;
}

/**
 * Per test: an upstream whose main holds `files`, and a controller's clone of
 * it in a state folder of its own; both are removed after the test. Set up in
 * a beforeEach, so the test file's own beforeEach hooks (registered after the
 * call) can build on it.
 */
export function useControllerRepo(files: Record<string, string>): ControllerRepoContext {
  const context = {} as ControllerRepoContext;
  beforeEach(async () => {
    context.upstream = await makeUpstream({ files });
    context.stateDir = await makeStateDir();
    context.gitDir = join(context.stateDir, 'repo.git');
    context.repo = new GitControllerRepo({ upstream: context.upstream.url, main: 'main', stateDir: context.stateDir });
    await context.repo.ensureClone();
  });
  afterEach(async () => {
    await context.upstream.cleanup();
    await rm(context.stateDir, { recursive: true, force: true });
  });
  return context;
}
