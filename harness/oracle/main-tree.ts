import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GantryConfig, OracleConfig } from '../config/types.ts';
import { chownTree } from '../git/index.ts';
import type { ControllerRepo } from '../git/types.ts';
import type { ContainerRuntime } from '../runtime/container-runtime.ts';
import { ScriptRunner } from './probe-runner.ts';

/**
 * Main's tree at one commit, exported once into `dir` and handed to the
 * container user, with a runner whose every script gets a copy of it. The
 * directory is emptied first (a killed run may have left it) and removed
 * afterwards.
 */

export interface MainTreeDeps {
  config: Pick<GantryConfig, 'container'> & { oracle: OracleConfig };
  runtime: ContainerRuntime;
  repo: Pick<ControllerRepo, 'exportTree'>;
  /** The gantry run the containers belong to. */
  run: string;
  /** The containers' `gantry.task` label. */
  label: string;
  dir: string;
}

export interface MainTree {
  commit: string;
  tree: string;
  runner: ScriptRunner;
}

export async function withMainTree<T>(deps: MainTreeDeps, commit: string, use: (main: MainTree) => Promise<T>): Promise<T> {
  const tree = join(deps.dir, 'main');
  await rm(deps.dir, { recursive: true, force: true });
  await mkdir(join(deps.dir, 'probes'), { recursive: true });
  try {
    await deps.repo.exportTree(commit, tree);
    await chownTree(tree, deps.config.container.user);
    const runner = new ScriptRunner({ config: deps.config, runtime: deps.runtime, run: deps.run, label: deps.label, tree, scratch: join(deps.dir, 'probes') });
    return await use({ commit, tree, runner });
  } finally {
    await rm(deps.dir, { recursive: true, force: true });
  }
}
