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

let cached: SchemaNode | undefined;

/** `io: 'input'`: what a person may write, so fields with defaults are optional. */
export function configJsonSchema(): SchemaNode {
  cached ??= z.toJSONSchema(ConfigSchema, { io: 'input' }) as SchemaNode;
  return cached;
}

/** The schema of the field at `path`, or undefined where the schema has no such field. */
export function fieldAt(path: readonly PropertyKey[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = configJsonSchema();
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
