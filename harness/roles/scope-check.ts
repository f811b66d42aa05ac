import picomatch from 'picomatch';
import type { Role } from './types.ts';

/** Whether the role may change `file`: inside `owns` and outside `avoid`. */
export function scopeAllows(scope: Role['scope']): (file: string) => boolean {
  const owns = picomatch(scope.owns, { dot: true });
  const avoids = scope.avoid.length > 0 ? picomatch(scope.avoid, { dot: true }) : () => false;
  return (file) => owns(file) && !avoids(file);
}

/** The files a branch changed that its role may not change. */
export function outOfScope(scope: Role['scope'], files: readonly string[]): string[] {
  const allows = scopeAllows(scope);
  return files.filter((file) => !allows(file));
}
