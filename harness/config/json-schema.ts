import { z } from 'zod';
import { ConfigSchema } from './schema.ts';

/**
 * The JSON Schema of gantry.yaml, derived from the zod schema. It is the one
 * description of fields that both the reference docs and the validation
 * messages read (type, bounds, default, examples), so neither restates them.
 */
export interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  unit?: string;
  enum?: string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  const?: unknown;
  /** A union (a discriminated one: each alternative's discriminator is a `const`). */
  oneOf?: SchemaNode[];
}

const cached = new WeakMap<z.ZodType, SchemaNode>();

/** `io: 'input'`: what a person may write, so fields with defaults are optional. */
export function jsonSchemaOf(schema: z.ZodType): SchemaNode {
  let node = cached.get(schema);
  if (node === undefined) {
    node = z.toJSONSchema(schema, { io: 'input' }) as SchemaNode;
    cached.set(schema, node);
  }
  return node;
}

export function configJsonSchema(): SchemaNode {
  return jsonSchemaOf(ConfigSchema);
}

/** The schema of the field at `path` under `root`, or undefined where it has no such field. */
export function fieldAt(path: readonly PropertyKey[], root: SchemaNode = configJsonSchema()): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const segment of path) {
    if (node === undefined) return undefined;
    const key = String(segment);
    const additional: SchemaNode | boolean | undefined = node.additionalProperties;
    // In a union, the first alternative that has the field describes it.
    const alternative: SchemaNode | undefined = node.oneOf?.find((option) => option.properties?.[key] !== undefined);
    node = node.properties?.[key] ?? alternative?.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
  }
  return node;
}

/** The alternative of a discriminated union that `value` chose (by a field whose value is its `const`); other nodes as they are. */
export function alternativeFor(node: SchemaNode | undefined, value: unknown): SchemaNode | undefined {
  if (!node?.oneOf || value === null || typeof value !== 'object') return node;
  const fields = value as Record<string, unknown>;
  return node.oneOf.find((option) => Object.entries(option.properties ?? {}).some(([key, field]) => field.const !== undefined && field.const === fields[key])) ?? node;
}

/** Whether a field has to be written: the schema requires it of its parent. */
export function isRequired(path: readonly PropertyKey[]): boolean {
  const parent = fieldAt(path.slice(0, -1));
  return parent?.required?.includes(String(path.at(-1))) ?? false;
}
