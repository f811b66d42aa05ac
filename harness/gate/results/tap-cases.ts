import type { Result } from 'tap-parser';
import { failureSummary } from './message.ts';
import { leaves, tapDuration, tapStatus } from './tap-tree.ts';
import type { TapNode } from './tap-tree.ts';
import { testId } from './types.ts';
import type { TestCase } from './types.ts';

/** The test cases under one top-level TAP node, all in `file`, below `path`. */
export function tapCases(file: string, nodes: readonly TapNode[], path: string[]): TestCase[] {
  return leaves(nodes, path).map(({ node, path: testPath }) => {
    const status = tapStatus(node.result);
    const durationMs = tapDuration(node.result);
    const message = status === 'failed' ? failureOf(node.result) : undefined;
    return {
      id: testId(file, testPath, node.result.name),
      file,
      path: testPath,
      title: node.result.name,
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  });
}

function failureOf(result: Result): string | undefined {
  const diag: Record<string, unknown> = result.diag ?? {};
  const text = [diag.error, diag.message].find((value) => typeof value === 'string');
  return typeof text === 'string' ? failureSummary(text) : undefined;
}

/** Sum of the top-level durations, for streams that print no total. */
export function summedDuration(nodes: readonly TapNode[]): number {
  return nodes.reduce((sum, node) => sum + (tapDuration(node.result) ?? 0), 0);
}
