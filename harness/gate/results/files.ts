import { isAbsolute, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository-relative, `/`-separated form of a file a runner reported, so
 * that test ids do not depend on where the suite ran. A path outside the root
 * stays as reported: rewriting it to `../..` would hide a wrong root.
 */
export function repoRelative(root: string, file: string): string {
  const path = file.startsWith('file://') ? fileURLToPath(file) : file;
  if (!isAbsolute(path)) return toPosix(posix.normalize(toPosix(path)));
  const inside = relative(root, path);
  if (inside.startsWith('..') || isAbsolute(inside)) return toPosix(path);
  return toPosix(inside);
}

function toPosix(path: string): string {
  return path.split(sep).join('/').replaceAll('\\', '/');
}
