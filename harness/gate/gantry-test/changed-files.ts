import { execFileSync } from 'node:child_process';

/**
 * Files the branch changed or added, committed or not: the diff of the work
 * tree against where the branch left main, plus untracked files (a new test
 * file the agent has not committed yet is exactly what it wants to run).
 */
export function changedFiles(workTree: string, main: string): string[] {
  const base = branchBase(workTree, main);
  const changed = git(workTree, ['diff', '--name-only', '--no-renames', '-z', base]);
  const untracked = git(workTree, ['ls-files', '--others', '--exclude-standard', '-z']);
  return [...new Set([...changed.split('\0'), ...untracked.split('\0')])].filter((file) => file !== '' && !file.startsWith('.gantry/'));
}

/**
 * The work tree is a clone of the controller's repository made on main, so
 * `origin/<main>` (and the local `<main>`) mark where the branch started. A
 * work tree that lost both falls back to its first commit.
 */
function branchBase(workTree: string, main: string): string {
  for (const ref of [`refs/remotes/origin/${main}`, `refs/heads/${main}`]) {
    const base = tryGit(workTree, ['merge-base', 'HEAD', ref]);
    if (base !== undefined) return base.trim();
  }
  const roots = git(workTree, ['rev-list', '--max-parents=0', 'HEAD']).trim().split('\n');
  return roots.at(-1) ?? 'HEAD';
}

function git(workTree: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', workTree, '-c', 'core.quotePath=false', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryGit(workTree: string, args: readonly string[]): string | undefined {
  try {
    return git(workTree, args);
  } catch {
    return undefined;
  }
}
