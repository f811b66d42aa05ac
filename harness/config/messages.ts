import type { z } from 'zod';
import { closest } from './closest.ts';
import { describeInput, exampleOf, expectedOf, formatValue } from './field-text.ts';
import { alternativeFor, fieldAt, type SchemaNode } from './json-schema.ts';

/**
 * Turns zod's issues into sentences for a person editing gantry.yaml: what
 * was expected, what was there, an example and the fix. Lines are added by
 * the caller, which knows the YAML document.
 */

export type FieldPath = readonly (string | number)[];

export interface FieldProblem {
  path: FieldPath;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** `root`: the JSON Schema of the whole file (gantry.yaml's unless given), which words the messages. */
export function problemsOf(issue: Issue, root?: SchemaNode): FieldProblem[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, alternativeFor(fieldAt(path, root), issue.input)) }));
  }
  return [{ path, message: messageOf(issue, path, fieldAt(path, root)) }];
}

/** "agent.kind", or "(top level)" for the document itself. */
export function formatPath(path: FieldPath): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

function messageOf(issue: Exclude<Issue, { code: 'unrecognized_keys' }>, path: FieldPath, node: SchemaNode | undefined): string {
  const input: unknown = issue.input;
  if (issue.code === 'invalid_type' && input === undefined) return requiredMessage(path, node);

  const expected = expectationOf(issue, node);
  if (expected === undefined) return issue.message;
  if (issue.code === 'invalid_union') return `${expected}, got ${describeInput(discriminatorValue(issue, input))}`;
  return `${expected}, got ${describeInput(input)}${fixOf(node, input)}`;
}

/** "expected …": from the issue where it names a violated bound, else from the field. */
function expectationOf(issue: Issue, node: SchemaNode | undefined): string | undefined {
  const number = (bound: string) => `expected ${node?.type === 'integer' ? 'an integer' : 'a number'} ${bound}${node?.unit ? ` (${node.unit})` : ''}`;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'expected a non-empty string';
      return issue.origin === 'number' ? number(`${issue.inclusive ? '≥' : '>'} ${issue.minimum}`) : undefined;
    case 'too_big':
      return issue.origin === 'number' ? number(`${issue.inclusive ? '≤' : '<'} ${issue.maximum}`) : undefined;
    case 'invalid_union':
      // A discriminated union's discriminator: the issue lists the values there are.
      return 'options' in issue && Array.isArray(issue.options) ? `expected one of ${issue.options.join(', ')}` : undefined;
    case 'invalid_format':
      // The schema words these itself ("expected a numeric uid:gid").
      return issue.message;
    case 'invalid_type':
    case 'invalid_value':
      return node === undefined ? undefined : `expected ${expectedOf(node)}`;
    default:
      return undefined;
  }
}

/** A discriminated union's issue carries the whole mapping; what was wrong is its discriminator. */
function discriminatorValue(issue: Issue, input: unknown): unknown {
  const key = 'discriminator' in issue ? issue.discriminator : undefined;
  return typeof key === 'string' && input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[key] : input;
}

function fixOf(node: SchemaNode | undefined, input: unknown): string {
  // YAML reads `PORT: 8080` as a number; the usual fix is quoting.
  if (node?.type === 'string' && (typeof input === 'number' || typeof input === 'boolean')) return `; quote it: "${String(input)}"`;
  // An enum's expectation already lists every value.
  const example = node === undefined || node.enum ? undefined : exampleOf(node);
  return example === undefined ? '' : `, e.g. \`${formatValue(example)}\``;
}

function requiredMessage(path: FieldPath, node: SchemaNode | undefined): string {
  const example = node === undefined ? undefined : exampleOf(node);
  return `required: add ${formatPath(path)}${example === undefined ? '' : `, e.g. \`${formatValue(example)}\``}`;
}

function unknownKeyMessage(key: string, parent: SchemaNode | undefined): string {
  const allowed = Object.keys(parent?.properties ?? {});
  const suggestion = closest(key, allowed);
  const hint = suggestion === undefined ? 'remove it or fix its name.' : `did you mean ${suggestion}?`;
  return `unknown key "${key}": ${hint} Allowed keys here: ${allowed.join(', ')}`;
}
