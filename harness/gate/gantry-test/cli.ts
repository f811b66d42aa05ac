import { gantryTest } from './main.ts';

// The entry point of the bundled images/agent-base/bin/gantry-test.
process.exitCode = gantryTest(process.argv.slice(2), process.env);
