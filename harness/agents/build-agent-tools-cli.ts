import { chmod, writeFile } from 'node:fs/promises';
import { AGENT_TOOLS, renderAgentTool } from './build-agent-tools.ts';

// `npm run build:agent-tools`: regenerates the in-container tools after their sources change.
for (const tool of AGENT_TOOLS) {
  await writeFile(tool.script, renderAgentTool(tool));
  await chmod(tool.script, 0o755);
  process.stdout.write(`wrote ${tool.script}\n`);
}
