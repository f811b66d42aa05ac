import { parse, stringify } from 'yaml';
import { boundsOf, formatValue } from './field-text.ts';
import { configJsonSchema, isRequired, type SchemaNode } from './json-schema.ts';
import { DEFAULT_REDIS_URL } from './normalize.ts';

/**
 * docs/configuration.md, generated from the schema so the reference cannot
 * drift from what the loader accepts (a unit test compares the two).
 */

const MINIMAL_EXAMPLE = `repo:
  url: ./upstream.git
agent:
  kind: command
  command: sh -c 'echo hi > note.txt && git add -A && git commit -qm note && gantry-agent done'
gate:
  command: npm test
`;

export function renderConfigReference(): string {
  const root = configJsonSchema();
  const sections = Object.entries(root.properties ?? {});
  const topLevel = sections.filter(([, node]) => node.properties === undefined);
  const nested = sections.filter(([, node]) => node.properties !== undefined);
  return [
    '# Configuration',
    '',
    '<!-- Generated from harness/config/schema.ts by `npm run docs:config`; edit the schema, not this file. -->',
    '',
    'gantry reads one YAML file, `gantry.yaml` by default (`--config` names another). Relative paths in it are read from the folder the file is in. Durations are whole milliseconds; memory sizes take Docker\'s units (`512m`, `2g`).',
    '',
    'When the file has problems, gantry lists all of them at once, each as `file:line field: message`, and starts nothing:',
    '',
    '```text',
    'gantry.yaml:3 gate.command: required: add gate.command, e.g. `npm test`',
    'gantry.yaml:8 concurrency: expected an integer ≥ 1, got 0, e.g. `4`',
    '```',
    '',
    '## A minimal gantry.yaml',
    '',
    '```yaml',
    MINIMAL_EXAMPLE.trimEnd(),
    '```',
    '',
    '## Every field',
    '',
    'The minimal file with every other field written out at its default; fields without a default are commented out.',
    '',
    '```yaml',
    ...exampleLines(root, parse(MINIMAL_EXAMPLE) as Record<string, unknown>, ''),
    '```',
    '',
    '## Top level',
    '',
    ...fieldTable(topLevel, []),
    ...nested.flatMap(([name, node]) => [`## \`${name}\``, '', node.description ?? '', '', ...fieldTable(Object.entries(node.properties ?? {}), [name])]),
    '## Environment',
    '',
    '| variable | default | description |',
    '| --- | --- | --- |',
    `| \`REDIS_URL\` | \`${DEFAULT_REDIS_URL}\` | The Redis that holds the queues. It must keep its data (\`appendonly yes\`, \`maxmemory-policy noeviction\`). |`,
    '',
  ].join('\n');
}

/** Every field as YAML: the given value, else the default, else the example commented out. */
function exampleLines(node: SchemaNode, given: Record<string, unknown> | undefined, indent: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const value = given?.[key];
    const optionalSection = value === undefined && child.default === undefined;
    if (child.properties && !optionalSection) return [`${indent}${key}:`, ...exampleLines(child, value as Record<string, unknown> | undefined, `${indent}  `)];
    if (value !== undefined || child.default !== undefined) return [`${indent}${key}: ${yamlValue(value ?? child.default)}`];
    return child.examples?.length ? [`${indent}# ${key}: ${yamlValue(child.examples[0])}`] : [];
  });
}

function yamlValue(value: unknown): string {
  // The yaml library quotes what needs it (a glob starting with `*` would otherwise be an alias).
  return stringify(value, { lineWidth: 0, collectionStyle: 'flow' }).trimEnd();
}

function fieldTable(fields: [string, SchemaNode][], parents: string[]): string[] {
  return ['| field | type | default | description |', '| --- | --- | --- | --- |', ...fieldRows(fields, parents), ''];
}

/** A row per field, and under a field that is itself a mapping (`oracle.judge`), a row per field in it. */
function fieldRows(fields: [string, SchemaNode][], parents: string[]): string[] {
  return fields.flatMap(([key, node]) => {
    const fieldPath = [...parents, key];
    const cells = [`\`${fieldPath.join('.')}\``, typeOf(node), defaultOf(node, fieldPath), node.description ?? ''];
    return [`| ${cells.map(escapeCell).join(' | ')} |`, ...fieldRows(Object.entries(node.properties ?? {}), fieldPath)];
  });
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return `one of ${node.enum.map((value) => `\`${value}\``).join(', ')}`;
  if (node.type === 'integer' || node.type === 'number') {
    const bounds = boundsOf(node);
    return `${node.type}${bounds ? ` ${bounds}` : ''}${node.unit ? ` (${node.unit})` : ''}`;
  }
  if (node.type === 'object') {
    if (node.properties) return `mapping of ${Object.keys(node.properties).map((key) => `\`${key}\``).join(', ')}`;
    const values = typeof node.additionalProperties === 'object' ? node.additionalProperties.type : undefined;
    return `map of ${values ?? 'string'}s`;
  }
  return node.type ?? 'any';
}

function defaultOf(node: SchemaNode, fieldPath: string[]): string {
  if (node.default !== undefined) return `\`${formatValue(node.default)}\``;
  return isRequired(fieldPath) ? 'required' : '—';
}

/** A `|` inside a cell would end it, even inside backticks. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
