import picomatch from 'picomatch';
import { scopeAllows } from '../roles/scope-check.ts';
import type { StaleDocsSource } from './source-schema.ts';
import { commitList, hasOpenTask } from './source-text.ts';
import { readTreeFiles } from './tree-files.ts';
import type { TaskSourceRun } from './types.ts';

/** File names too common to mean one file when a document says them. */
const COMMON_NAMES = new Set(['index', 'main', 'types', 'utils', 'util', 'test', 'tests', 'readme', 'config', 'lib', 'src', 'mod', 'init', '__init__']);
const MIN_NAME = 4;

/**
 * Documents that name code the merges since the last run changed, by its
 * path, its file name, or its file name without the extension when that is
 * distinctive: one task per document, while no task for it is open.
 */
export const staleDocs: TaskSourceRun<StaleDocsSource> = async (source, input) => {
  if (input.commits.length === 0) return { tasks: [] };
  const isDoc = picomatch(source.docs, { dot: true });
  const inScope = scopeAllows(input.role.scope);
  const changed = [...new Set(input.commits.flatMap((c) => c.files))].filter((file) => !isDoc(file));
  if (changed.length === 0) return { tasks: [] };
  const docs = await readTreeFiles(await input.tree(), (path) => isDoc(path) && inScope(path));
  const open = await input.tasks();
  const short = input.head.slice(0, 12);
  const tasks = docs.flatMap((doc) => {
    const named = changed.filter((file) => namesFile(doc.text, file));
    if (named.length === 0 || hasOpenTask(open, `stale-docs ${doc.path} `)) return [];
    const commits = input.commits.filter((c) => c.files.some((f) => named.includes(f)));
    return [{
      text: `${doc.path} names code that changed on main (up to commit ${short}): ${named.join(', ')}.\n\nThe merges that changed it:\n${commitList(commits)}\n\nCheck that what ${doc.path} says still holds and fix what does not; change nothing else.`,
      files: [doc.path],
      subject: `stale-docs ${doc.path} ${short}`,
    }];
  });
  return { tasks };
};

function namesFile(text: string, file: string): boolean {
  if (text.includes(file)) return true;
  const name = file.split('/').pop() ?? file;
  const stem = name.replace(/\.[^.]+$/, '');
  if (COMMON_NAMES.has(stem.toLowerCase())) return false;
  const names = stem.length >= MIN_NAME ? [name, stem] : [name];
  return names.some((n) => new RegExp(`(?<![\\w./-])${escape(n)}(?![\\w/-])`).test(text));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
