import { repoRelative } from './files.ts';
import { summedDuration, tapCases } from './tap-cases.ts';
import { readTapTree } from './tap-tree.ts';
import type { TapNode } from './tap-tree.ts';
import type { SuiteRun } from './types.ts';

/** Used when node printed no location anywhere under a top-level test. */
export const NODE_TEST_UNKNOWN_FILE = '(node-test)';

/**
 * `node --test --test-reporter=tap`. Node 24 prints no per-file wrapper, and
 * its TAP reporter writes `location:` only for failing tests and suites, so
 * the file of a top-level test is the location found anywhere in its tree.
 * A fully passing top-level test has none: it gets NODE_TEST_UNKNOWN_FILE.
 * node's junit reporter names the file of every test; ci/ uses it for that.
 */
export function parseNodeTest(text: string, root: string): SuiteRun {
  const tree = readTapTree('node-test', text);
  const tests = tree.nodes.flatMap((node) => {
    const location = firstLocation(node);
    const file = location === undefined ? NODE_TEST_UNKNOWN_FILE : repoRelative(root, location);
    return tapCases(file, [node], []);
  });
  return { tests, durationMs: tree.durationMs ?? summedDuration(tree.nodes) };
}

function firstLocation(node: TapNode): string | undefined {
  const location: unknown = node.result.diag?.location;
  if (typeof location === 'string') return location.replace(/:\d+:\d+$/, '');
  for (const child of node.children) {
    const found = firstLocation(child);
    if (found !== undefined) return found;
  }
  return undefined;
}
