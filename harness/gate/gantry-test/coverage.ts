import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readJson } from './inputs.ts';

/**
 * How often each test id was sampled in this work tree, so the next seed of
 * the same task prefers what has not run yet. Kept under `.gantry/`, which is
 * never committed.
 */
export function readCoverage(file: string): Record<string, number> {
  return existsSync(file) ? (readJson(file) as Record<string, number>) : {};
}

export function recordCoverage(file: string, ids: readonly string[]): void {
  const coverage = readCoverage(file);
  for (const id of ids) coverage[id] = (coverage[id] ?? 0) + 1;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(coverage, null, 2)}\n`);
}
