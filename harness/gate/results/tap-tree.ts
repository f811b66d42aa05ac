import { Parser } from 'tap-parser';
import type { FinalResults, Result } from 'tap-parser';
import { malformed } from './malformed.ts';
import type { ResultFormat, TestStatus } from './types.ts';

/** One test point of a TAP stream, with the subtests it closes (empty for a leaf). */
export interface TapNode {
  result: Result;
  children: TapNode[];
}

export interface TapTree {
  nodes: TapNode[];
  /** From a trailing `# duration_ms N` comment (node's runner prints one). */
  durationMs?: number;
}

/**
 * Reads a TAP stream into a tree: a test point that closes a subtest (its
 * `# Subtest:` block, indented) holds that subtest's points as children.
 */
export function readTapTree(format: ResultFormat, text: string): TapTree {
  let durationMs: number | undefined;
  let bailout: string | undefined;
  const done: { final?: FinalResults } = {};
  const parser = new Parser((results) => {
    done.final = results;
  });
  parser.on('bailout', (reason: string) => {
    bailout = reason;
  });
  parser.on('comment', (line: string) => {
    const match = /^# duration_ms ([\d.]+)/.exec(line);
    if (match?.[1] !== undefined) durationMs = Number(match[1]);
  });
  const nodes = collect(parser);
  parser.end(text);

  if (bailout !== undefined) throw malformed(format, `the run bailed out (${bailout || 'no reason given'})`);
  const { final } = done;
  if (final === undefined || nodes.length === 0) {
    throw malformed(format, 'no TAP test points found (expected lines like "ok 1 - name")');
  }
  const { start, end } = final.plan;
  if (start !== null && end !== null && end - start + 1 !== final.count) {
    throw malformed(format, `the plan announces ${end - start + 1} tests but ${final.count} were reported: the run was cut short`);
  }
  return durationMs === undefined ? { nodes } : { nodes, durationMs };
}

function collect(parser: Parser): TapNode[] {
  const nodes: TapNode[] = [];
  let pending: TapNode[] | undefined;
  parser.on('child', (child: Parser) => {
    pending = collect(child);
  });
  parser.on('assert', (result: Result) => {
    nodes.push({ result, children: result.closingTestPoint ? (pending ?? []) : [] });
    pending = undefined;
  });
  return nodes;
}

/** TAP's directives: `# SKIP` and `# TODO` win over ok/not ok. */
export function tapStatus(result: Result): TestStatus {
  if (result.todo !== false) return 'todo';
  if (result.skip !== false) return 'skipped';
  return result.ok ? 'passed' : 'failed';
}

/** Every leaf with the names of the subtests around it, outermost first. */
export function leaves(nodes: readonly TapNode[], path: string[] = []): Array<{ node: TapNode; path: string[] }> {
  return nodes.flatMap((node) =>
    node.children.length === 0
      ? [{ node, path }]
      : leaves(node.children, [...path, node.result.name]),
  );
}

/** Duration of a test point: node's runner writes `duration_ms` in the YAML block. */
export function tapDuration(result: Result): number | undefined {
  const value: unknown = result.diag?.duration_ms ?? result.time;
  return typeof value === 'number' ? value : undefined;
}
