import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AGENT_TOOLS, renderAgentTool } from '../../harness/agents/build-agent-tools.ts';

describe.each(AGENT_TOOLS)('agent tool $name', (tool) => {
  it('when its sources change, the committed script in images/agent-base/bin must be regenerated', async () => {
    const saved = await readFile(tool.script, 'utf8');

    expect(saved, `${tool.script} is out of date: run \`npm run build:agent-tools\``).toBe(renderAgentTool(tool));
    await expect(access(tool.script, constants.X_OK)).resolves.toBeUndefined();
  });

  it('when bundled, the script imports nothing but node builtins', () => {
    const imports = [...renderAgentTool(tool).matchAll(/from '([^']+)'/g)].map((match) => match[1]);

    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((specifier) => specifier?.startsWith('node:'))).toBe(true);
  });
});
