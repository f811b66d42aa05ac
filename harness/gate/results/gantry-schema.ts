import { z } from 'zod';
import { gantryResultsSchema } from './gantry-json.ts';

/** Where the published JSON schema of the gantry results format lives, from the repository root. */
export const GANTRY_SCHEMA_FILE = 'ci/formats/gantry.schema.json';

/** The text of ci/formats/gantry.schema.json, as generated from the zod schema. */
export function gantrySchemaText(): string {
  const schema = z.toJSONSchema(gantryResultsSchema, { target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'gantry test results' }, null, 2)}\n`;
}
