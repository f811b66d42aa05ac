import { chmod, writeFile } from 'node:fs/promises';
import { GANTRY_TEST_SCRIPT, renderGantryTest } from './build-agent-tools.ts';

// `npm run build:agent-tools`: regenerates the in-container gantry-test after its sources change.
await writeFile(GANTRY_TEST_SCRIPT, renderGantryTest());
await chmod(GANTRY_TEST_SCRIPT, 0o755);
process.stdout.write(`wrote ${GANTRY_TEST_SCRIPT}\n`);
