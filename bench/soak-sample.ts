import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ProbeLine } from './soak-probe.ts';

/** One look at the soaking controller and its state directory. */
export interface SoakSample {
  /** Since the controller started. */
  atMs: number;
  /** `feeding`: tasks are being added; `idle`: the feed stopped and every task ended. */
  phase: 'feeding' | 'idle';
  /** VmRSS of the controller process, from /proc. */
  rssBytes: number;
  /** Live heap after a forced collection, from the probe's latest line; null before its first. */
  heapUsedBytes: number | null;
  /** Disk use (blocks, not apparent size) of the whole state directory. */
  stateBytes: number;
  /** … of which the work trees (`work/`). */
  workBytes: number;
  /** Work trees present. */
  workTrees: number;
  tasksAdded: number;
  /** Added and ended (merged or failed for good). */
  tasksEnded: number;
}

/** Resident set size of a live process, read from /proc/<pid>/status. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line: is process ${pid} a zombie?`);
  return Number(kb) * 1024;
}

/** The probe's latest line (see soak-probe.ts), if it wrote one yet. */
export async function latestProbe(file: string): Promise<ProbeLine | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const last = text.trimEnd().split('\n').at(-1);
  return last ? (JSON.parse(last) as ProbeLine) : undefined;
}

/**
 * Disk use of `dirs` in bytes, by `du -s -B1`. Work trees come and go while
 * du walks them: files gone mid-walk make du exit 1 but still count the rest.
 */
async function diskUse(dirs: readonly string[]): Promise<number[]> {
  const { stdout } = await execa('du', ['-s', '-B1', ...dirs], { reject: false });
  const bytes = new Map(stdout.split('\n').filter(Boolean).map((line) => {
    const [size = '0', ...path] = line.split('\t');
    return [path.join('\t'), Number(size)] as const;
  }));
  return dirs.map((dir) => bytes.get(dir) ?? 0);
}

/** Disk use of a state directory and of its work trees. */
export async function stateDiskUse(stateDir: string): Promise<Pick<SoakSample, 'stateBytes' | 'workBytes' | 'workTrees'>> {
  const work = join(stateDir, 'work');
  const [stateBytes = 0, workBytes = 0] = await diskUse([stateDir, work]);
  const workTrees = (await readdir(work).catch(() => [])).length;
  return { stateBytes, workBytes, workTrees };
}
