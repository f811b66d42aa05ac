import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from './docs.ts';

// `npm run docs:config`: rewrites the reference after a schema change.
const target = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
await writeFile(target, renderConfigReference());
process.stdout.write(`wrote ${target}\n`);
