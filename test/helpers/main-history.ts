import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** Runs the fixture's test suite on the host at one commit of a bare repo; true when it passes. */
export async function testsPassAt(gitDir: string, commit: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-check-'));
  try {
    await execa('sh', ['-c', `git --git-dir "$0" archive "$1" | tar -x -C "$2"`, gitDir, commit, dir]);
    const result = await execa('sh', ['test.sh'], { cwd: dir, reject: false });
    return result.exitCode === 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Task ids named by `Gantry-Task:` trailers in main's merge commits, one entry per merge. */
export function mergedTaskIds(log: ReadonlyArray<{ body: string }>): string[] {
  return log.flatMap((entry) => [...entry.body.matchAll(/^Gantry-Task: (\S+)$/gm)].map((m) => m[1] ?? ''));
}
