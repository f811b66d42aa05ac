import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { journalPath } from './journal.ts';

export interface RunOnDisk {
  run: string;
  journalBytes: number;
  /** When its journal was last written (ISO). */
  updatedAt: string;
}

/** The runs with a journal under `<stateDir>/runs`, the most recently written first. */
export async function runsOnDisk(stateDir: string): Promise<RunOnDisk[]> {
  const names = await readdir(join(stateDir, 'runs')).catch(() => [] as string[]);
  const runs: RunOnDisk[] = [];
  for (const run of names) {
    const info = await stat(journalPath(stateDir, run)).catch(() => undefined);
    if (info) runs.push({ run, journalBytes: info.size, updatedAt: info.mtime.toISOString() });
  }
  return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}
