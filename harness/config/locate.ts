import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { FieldPath } from './messages.ts';

/**
 * The line a field is written on: the value's line for a scalar, the key's
 * line for a section. A field that is not there (a missing required one, or
 * one a rule asks for) gets the line of its nearest parent that is, so the
 * message points at the section to add it to.
 */
export function lineOf(doc: Document, lineCounter: LineCounter, path: FieldPath): number {
  let node: unknown = doc.contents;
  let line = startLine(node, lineCounter) ?? 1;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (next === undefined) break;
    node = next.value;
    line = (isScalar(next.value) ? startLine(next.value, lineCounter) : undefined) ?? startLine(next.key, lineCounter) ?? line;
  }
  return line;
}

function childOf(node: unknown, segment: string | number): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return pair && { key: pair.key, value: pair.value };
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment];
    return item === undefined ? undefined : { key: item, value: item };
  }
  return undefined;
}

function startLine(node: unknown, lineCounter: LineCounter): number | undefined {
  const offset = (node as Partial<Node> | null | undefined)?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
