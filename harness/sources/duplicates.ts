import picomatch from 'picomatch';
import { scopeAllows } from '../roles/scope-check.ts';
import { findDuplicates, type Duplicate } from './find-duplicates.ts';
import type { DuplicatesSource } from './source-schema.ts';
import { readTreeFiles } from './tree-files.ts';
import type { TaskSourceRun } from './types.ts';

/** Main's files in the role's scope and the source's `files`, through the duplicate detector: a task per duplicate, the largest first. */
export const duplicates: TaskSourceRun<DuplicatesSource> = async (source, input) => {
  const inScope = scopeAllows(input.role.scope);
  const wanted = picomatch(source.files, { dot: true });
  const files = await readTreeFiles(await input.tree(), (path) => inScope(path) && wanted(path));
  const found = findDuplicates(files, source.minLines).slice(0, source.maxTasks);
  return { tasks: found.map((duplicate) => ({ text: taskText(duplicate, input.head), files: [...new Set(duplicate.places.map((p) => p.path))], subject: `duplicate ${duplicate.key}` })) };
};

function taskText(duplicate: Duplicate, head: string): string {
  const places = duplicate.places.map((p) => `- ${p.path}:${p.startLine}-${p.endLine}`).join('\n');
  return [
    `Consolidate duplicated code: the same ${duplicate.lines} lines appear in ${duplicate.places.length} places on main (commit ${head.slice(0, 12)}):`,
    '',
    places,
    '',
    'Keep one implementation and make every other place use it, without changing behaviour.',
  ].join('\n');
}
