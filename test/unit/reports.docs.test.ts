import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../harness/reports/index.ts';
import { sampleJournal } from '../helpers/sample-journal.ts';

/** Every field path of a value: `totals.costUsd`, `tasks[].id`, `stops[].budget.scope`. */
function fieldPaths(value: unknown, prefix = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) fieldPaths(item, `${prefix}[]`, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      into.add(path);
      fieldPaths(child, path, into);
    }
  }
  return into;
}

const doc = await readFile(new URL('../../docs/reports.md', import.meta.url), 'utf8');
const sample = buildReport('r-sample', sampleJournal(), { since: new Date('2026-03-02T09:00:00Z') });

describe('docs/reports.md', () => {
  it('when the report has a field, the field reference has a row for it', () => {
    const documented = new Set([...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));
    const missing = [...fieldPaths(sample)].filter((path) => !documented.has(path));
    expect(missing).toEqual([]);
  });

  it('when the doc shows an example report, it has exactly the fields a real report has', () => {
    const block = /## The JSON shape[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, 'a ```json block under "## The JSON shape"').toBeDefined();
    const example = fieldPaths(JSON.parse(block ?? '{}'));
    expect([...example].sort()).toEqual([...fieldPaths(sample)].sort());
  });
});
