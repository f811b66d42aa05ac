import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { SourceFile } from './find-duplicates.ts';

/** Larger files are generated or data, not code anyone consolidates or documents. */
const MAX_BYTES = 512 * 1024;

/**
 * The text files under `dir` whose repository path `accepts` takes, by path.
 * Binary files (a NUL byte) and files over 512 KB are left out; symbolic
 * links are not followed (the tree is main's, and a link may point anywhere).
 */
export async function readTreeFiles(dir: string, accepts: (path: string) => boolean): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const absolute = join(entry.parentPath, entry.name);
    const path = relative(dir, absolute).split(sep).join('/');
    if (!accepts(path) || (await stat(absolute)).size > MAX_BYTES) continue;
    const text = await readFile(absolute, 'utf8');
    if (!text.includes('\0')) files.push({ path, text });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
