import { describe, expect, it } from 'vitest';
import { answerRpc, MCP_TOOLS, type RunCommand } from '../../harness/server/gantry-agent/mcp-server.ts';

const ran: string[][] = [];
const run: RunCommand = async (argv) => {
  ran.push(argv);
  return argv[0] === 'inbox' ? { code: 1, output: 'the agent API refused (403)' } : { code: 0, output: `did ${argv[0]}` };
};
const ask = (method: string, params?: Record<string, unknown>) => answerRpc({ jsonrpc: '2.0', id: 7, method, ...(params ? { params } : {}) }, run);

describe('gantry-mcp', () => {
  it('when initialized, it answers with a protocol version the client asked for and says it has tools', async () => {
    expect(await ask('initialize', { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'claude-code' } })).toEqual({
      jsonrpc: '2.0', id: 7, result: { protocolVersion: '2025-03-26', capabilities: { tools: {} }, serverInfo: { name: 'gantry', version: '1' } },
    });
    expect(await ask('initialize', { protocolVersion: '1999-01-01' })).toMatchObject({ result: { protocolVersion: '2025-06-18' } });
    expect(await answerRpc({ jsonrpc: '2.0', method: 'notifications/initialized' }, run)).toBeUndefined();
  });

  it('when listed, every tool has an object schema naming its required arguments', async () => {
    const answer = await ask('tools/list') as { result: { tools: Array<{ name: string; inputSchema: { type: string; required: string[]; properties: Record<string, unknown> } }> } };
    expect(answer.result.tools.map((tool) => tool.name)).toEqual(['decide', 'lesson', 'handoff', 'note', 'msg', 'inbox', 'peers', 'memory', 'lease', 'release', 'done']);
    for (const tool of answer.result.tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.inputSchema.required.every((name) => name in tool.inputSchema.properties)).toBe(true);
    }
  });

  it('when a tool is called, it runs the gantry-agent command with options first and text after --, and a failed command is an error result', async () => {
    ran.length = 0;
    expect(await ask('tools/call', { name: 'decide', arguments: { text: '--force is never used', why: 'history' } })).toEqual({
      jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'did decide' }], isError: false },
    });
    await ask('tools/call', { name: 'lease', arguments: { files: ['a.ts', 'b/**'], ttl: '5m' } });
    expect(ran).toEqual([['decide', '--why=history', '--', '--force is never used'], ['lease', '--ttl=5m', '--', 'a.ts', 'b/**']]);
    expect(await ask('tools/call', { name: 'inbox', arguments: {} })).toMatchObject({ result: { isError: true, content: [{ text: 'the agent API refused (403)' }] } });
    expect(await ask('tools/call', { name: 'msg', arguments: { text: 'hi' } })).toMatchObject({ result: { isError: true, content: [{ text: 'missing to' }] } });
    expect(await ask('tools/call', { name: 'rm', arguments: {} })).toMatchObject({ error: { code: -32602 } });
    expect(await ask('resources/list')).toMatchObject({ error: { code: -32601 } });
    expect(MCP_TOOLS.every((tool) => tool.argv({ text: 'x', to: 'y', files: ['z'], summary: 's' }).includes('--') || tool.name === 'inbox' || tool.name === 'peers' || tool.name === 'done')).toBe(true);
  });
});
