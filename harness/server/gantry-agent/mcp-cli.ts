import { callApi, expectOk } from './api-client.ts';
import { gantryAgent } from './commands.ts';
import { serveMcp } from './mcp-server.ts';

// The entry point of the bundled images/agent-base/bin/gantry-mcp: each tool call is a gantry-agent command.
serveMcp(async (argv) => {
  const lines: string[] = [];
  try {
    const code = await gantryAgent(argv, {
      env: process.env,
      out: (line) => lines.push(line),
      call: (method, path, payload) => expectOk(callApi(process.env, method, path, payload)),
    });
    return { code, output: lines.join('\n') };
  } catch (error) {
    return { code: 1, output: [...lines, error instanceof Error ? error.message : String(error)].join('\n') };
  }
});
