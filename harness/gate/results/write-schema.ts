// Regenerates ci/formats/gantry.schema.json from the zod schema; a unit test
// fails while the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GANTRY_SCHEMA_FILE, gantrySchemaText } from './gantry-schema.ts';

const target = join(import.meta.dirname, '..', '..', '..', GANTRY_SCHEMA_FILE);
writeFileSync(target, gantrySchemaText());
console.log(`wrote ${target}`);
