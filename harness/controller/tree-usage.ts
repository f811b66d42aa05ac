import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeUsage {
  /** Apparent size of the regular files (a sparse file counts whole: copied, it would be). */
  bytes: number;
  /** Files, directories and links. */
  entries: number;
  /** Latest modification time of any entry: a new, changed or deleted file moves it. */
  newestMs: number;
}

/**
 * Measures a work tree the agent controls: no symlink is followed, so a link
 * to / counts as one entry. The walk stops once past either bound (the counts
 * then stay above it), so a tree of millions of files costs no more to judge
 * than one just over the limit. Entries that vanish mid-walk are skipped.
 */
export async function measureTree(root: string, bounds: { bytes: number; entries: number }): Promise<TreeUsage> {
  const usage: TreeUsage = { bytes: 0, entries: 0, newestMs: 0 };
  const pending = [root];
  while (pending.length > 0 && usage.bytes <= bounds.bytes && usage.entries <= bounds.entries) {
    const dir = pending.pop() as string;
    let children: Dirent[];
    try {
      children = await readdir(dir, { withFileTypes: true });
      usage.newestMs = Math.max(usage.newestMs, (await lstat(dir)).mtimeMs);
    } catch {
      continue;
    }
    for (const child of children) {
      const path = join(dir, child.name);
      usage.entries += 1;
      if (child.isDirectory()) {
        pending.push(path);
        continue;
      }
      try {
        const info = await lstat(path);
        usage.newestMs = Math.max(usage.newestMs, info.mtimeMs);
        if (info.isFile()) usage.bytes += info.size;
      } catch {
        // Deleted while the walk went by.
      }
      if (usage.bytes > bounds.bytes || usage.entries > bounds.entries) break;
    }
  }
  return usage;
}
