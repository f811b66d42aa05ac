import { scopeAllows } from './scope-check.ts';
import type { Role } from './types.ts';

/** Every file: a role that owns this works anywhere by design, so overlapping it says nothing. */
const EVERYTHING = '**';

type Scope = Role['scope'];

/**
 * A file both scopes let their role change, if one is found: a sample path
 * of one role's `owns` globs (wildcards filled in) that the other owns too
 * and neither avoids. A role that owns everything is left out. A heuristic:
 * it can miss two wildcard globs that meet only in a name neither spells out
 * (`**\/*.md` and `docs/**`).
 */
export function sharedFile(a: Scope, b: Scope): string | undefined {
  if (a.owns.includes(EVERYTHING) || b.owns.includes(EVERYTHING)) return undefined;
  const [inA, inB] = [scopeAllows(a), scopeAllows(b)];
  return [...a.owns, ...b.owns].flatMap(samplesOf).find((file) => inA(file) && inB(file));
}

/** A file both lists of paths or globs name (a task's declared files), by the same sampling as sharedFile. */
export function sharedPath(a: readonly string[], b: readonly string[]): string | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const [inA, inB] = [scopeAllows({ owns: [...a], avoid: [] }), scopeAllows({ owns: [...b], avoid: [] })];
  return [...a, ...b].flatMap(samplesOf).find((file) => inA(file) && inB(file));
}

/** Paths a glob matches: each wildcard filled with a plain name, `**` as one folder and as none. */
function samplesOf(glob: string): string[] {
  const fill = (text: string) => text.replace(/\{([^,}]*)[^}]*\}/g, '$1').replace(/\[[^\]]*\]/g, 'x').replace(/[*?]+/g, 'x');
  return [fill(glob), fill(glob.replace(/\*\*\//g, ''))];
}
