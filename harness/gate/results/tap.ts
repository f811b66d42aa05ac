import { repoRelative } from './files.ts';
import { summedDuration, tapCases } from './tap-cases.ts';
import { readTapTree } from './tap-tree.ts';
import type { SuiteRun } from './types.ts';

/** Used for test points that no file-named subtest encloses. */
export const TAP_UNKNOWN_FILE = '(tap)';

// Runners that wrap each file in a subtest (node-tap, tape with a wrapper)
// name it after the file: a path with a source-file extension and no spaces.
const FILE_NAME = /^[^\s]+\.(?:[cm]?[jt]sx?|py|rb|go|rs|php|pl|t|sh)$/;

/** Generic TAP 13/14: nested subtests give the describe path. */
export function parseTap(text: string, root: string): SuiteRun {
  const tree = readTapTree('tap', text);
  const tests = tree.nodes.flatMap((node) =>
    node.children.length > 0 && FILE_NAME.test(node.result.name)
      ? tapCases(repoRelative(root, node.result.name), node.children, [])
      : tapCases(TAP_UNKNOWN_FILE, [node], []),
  );
  return { tests, durationMs: tree.durationMs ?? summedDuration(tree.nodes) };
}
