import type { SchemaNode } from './json-schema.ts';

/**
 * Words for a field, read from its JSON Schema: what it expects, an example
 * value, and how a value looks in a message. Shared by the validation
 * messages and the reference docs so both say the same thing.
 */

const SAFE_INTEGER_LIMIT = Number.MAX_SAFE_INTEGER;

/** The range of a number field in words: "from 1 to 256", "> 0", or "" when unbounded. */
export function boundsOf(node: SchemaNode): string {
  const lower = node.minimum !== undefined ? `≥ ${node.minimum}` : node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : '';
  const upper = node.maximum !== undefined && node.maximum < SAFE_INTEGER_LIMIT ? node.maximum : undefined;
  if (node.minimum !== undefined && upper !== undefined) return `from ${node.minimum} to ${upper}`;
  return [lower, upper === undefined ? '' : `≤ ${upper}`].filter(Boolean).join(' and ');
}

/** What a field expects, as the object of "expected …": "an integer from 1 to 256 (milliseconds)". */
export function expectedOf(node: SchemaNode): string {
  if (node.enum) return `one of ${node.enum.join(', ')}`;
  const unit = node.unit ? ` (${node.unit})` : '';
  switch (node.type) {
    case 'integer':
    case 'number': {
      const bounds = boundsOf(node);
      return `${node.type === 'integer' ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}${unit}`;
    }
    case 'string':
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'object':
      return node.properties ? `a mapping with keys ${Object.keys(node.properties).join(', ')}` : 'a mapping of names to strings';
    default:
      return node.type ? `a ${node.type}` : 'a value';
  }
}

/**
 * A value a person could write for the field: its first example, else its
 * default, else (for a section) the required fields it needs.
 */
export function exampleOf(node: SchemaNode): unknown {
  if (node.examples?.length) return node.examples[0];
  if (node.default !== undefined && !isEmptyObject(node.default)) return node.default;
  if (node.enum?.length) return node.enum[0];
  if (node.properties) {
    const entries = (node.required ?? []).map((key): [string, unknown] => {
      const child = node.properties?.[key];
      return [key, child === undefined ? undefined : exampleOf(child)];
    });
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return undefined;
}

/** A value the way it would be written in YAML flow style, for one-line messages and tables. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => `${key}: ${formatValue(inner)}`);
    return entries.length > 0 ? `{ ${entries.join(', ')} }` : '{}';
  }
  return String(value);
}

/** What a person actually wrote, for "got …". */
export function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}
