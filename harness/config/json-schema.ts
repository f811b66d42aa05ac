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
    node = node.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
  }
  return node;
}

/** Whether a field has to be written: the schema requires it of its parent. */
export function isRequired(path: readonly PropertyKey[]): boolean {
  const parent = fieldAt(path.slice(0, -1));
  return parent?.required?.includes(String(path.at(-1))) ?? false;
}
