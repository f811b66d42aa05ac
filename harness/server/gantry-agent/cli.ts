import { callApi, expectOk } from './api-client.ts';
import { gantryAgent } from './commands.ts';

// The entry point of the bundled images/agent-base/bin/gantry-agent.
gantryAgent(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  call: (method, path, payload) => expectOk(callApi(process.env, method, path, payload)),
}).then((code) => {
  process.exitCode = code;
}, (error: unknown) => {
  process.stderr.write(`gantry-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
