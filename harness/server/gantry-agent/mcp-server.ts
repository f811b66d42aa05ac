import { createInterface } from 'node:readline';

/**
 * gantry-agent's operations as MCP tools (stdio, newline-delimited JSON-RPC),
 * so that an agent CLI that speaks MCP (Claude Code) uses them without shell
 * calls. Only what a tool server needs of the protocol: initialize, ping,
 * tools/list and tools/call. Written out rather than taken from the SDK
 * because the agent image carries no node_modules: this file is bundled
 * into one script with Node's builtins only, like gantry-agent. Each tool
 * call runs the same command gantry-agent would, and answers with its output.
 */

const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05'];

interface ToolSpec {
  name: string;
  description: string;
  properties: Record<string, { type: string; description: string; items?: { type: string } }>;
  required: string[];
  /** The gantry-agent command line for these arguments: options first, then `--`, so no text is read as an option. */
  argv(args: Record<string, unknown>): string[];
}

const str = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
const list = (value: unknown) => (Array.isArray(value) ? value.map(str) : value === undefined ? [] : [str(value)]);
const TEXT = { type: 'string', description: 'what to record' };

export const MCP_TOOLS: readonly ToolSpec[] = [
  { name: 'decide', description: 'Record a decision that later sessions of matching work read in their briefs', properties: { text: TEXT, why: { type: 'string', description: 'the reason' } }, required: ['text'], argv: (a) => ['decide', ...(a.why ? [`--why=${str(a.why)}`] : []), '--', str(a.text)] },
  { name: 'lesson', description: 'Record a lesson: what worked or did not', properties: { text: TEXT }, required: ['text'], argv: (a) => ['lesson', '--', str(a.text)] },
  { name: 'handoff', description: 'Leave a note for the next session of this task', properties: { text: TEXT }, required: ['text'], argv: (a) => ['handoff', '--', str(a.text)] },
  { name: 'note', description: 'Post to the shared notes feed', properties: { text: TEXT }, required: ['text'], argv: (a) => ['note', '--', str(a.text)] },
  { name: 'msg', description: 'Message a task (by id), every task of a role, or all', properties: { to: { type: 'string', description: 'a task id, a role name, or all' }, text: TEXT }, required: ['to', 'text'], argv: (a) => ['msg', '--', str(a.to), str(a.text)] },
  { name: 'inbox', description: 'The messages for this task', properties: {}, required: [], argv: () => ['inbox'] },
  { name: 'peers', description: 'Every other task at work: role, branch, files, leases', properties: {}, required: [], argv: () => ['peers'] },
  { name: 'memory', description: 'Search the shared memory: decisions, lessons, notes, summaries', properties: { search: { type: 'string', description: 'text to look for' }, kind: { type: 'string', description: 'decision, lesson, handoff, note or summary' } }, required: [], argv: (a) => ['memory', ...(a.kind ? [`--kind=${str(a.kind)}`] : []), '--', ...(a.search ? [str(a.search)] : [])] },
  { name: 'lease', description: 'Lease files (paths or globs): peers see it and tasks that declare them wait', properties: { files: { type: 'array', items: { type: 'string' }, description: 'paths or globs' }, ttl: { type: 'string', description: 'how long, e.g. 30m (default), at most 24h' } }, required: ['files'], argv: (a) => ['lease', ...(a.ttl ? [`--ttl=${str(a.ttl)}`] : []), '--', ...list(a.files)] },
  { name: 'release', description: 'Give back leased files, or the whole lease when none are named', properties: { files: { type: 'array', items: { type: 'string' }, description: 'paths or globs' } }, required: [], argv: (a) => ['release', '--', ...list(a.files)] },
  { name: 'done', description: 'Declare the task done, with a summary for later sessions', properties: { summary: { type: 'string', description: 'what was done' } }, required: ['summary'], argv: (a) => ['done', `--summary=${str(a.summary)}`] },
];

interface RpcRequest {
  jsonrpc: '2.0';
  id?: string | number;
  method: string;
  params?: Record<string, unknown>;
}

/** Runs one gantry-agent command line; resolves to its exit code and what it printed. */
export type RunCommand = (argv: string[]) => Promise<{ code: number; output: string }>;

/** The answer to one request (undefined for a notification). */
export async function answerRpc(request: RpcRequest, run: RunCommand): Promise<unknown> {
  const reply = (result: unknown) => ({ jsonrpc: '2.0', id: request.id, result });
  const fail = (code: number, message: string) => ({ jsonrpc: '2.0', id: request.id, error: { code, message } });
  if (request.id === undefined) return undefined;
  switch (request.method) {
    case 'initialize': {
      const asked = str(request.params?.protocolVersion);
      return reply({
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: 'gantry', version: '1' },
      });
    }
    case 'ping': return reply({});
    case 'tools/list':
      return reply({ tools: MCP_TOOLS.map(({ name, description, properties, required }) => ({ name, description, inputSchema: { type: 'object', properties, required } })) });
    case 'tools/call': {
      const tool = MCP_TOOLS.find((spec) => spec.name === request.params?.name);
      if (!tool) return fail(-32602, `no tool ${str(request.params?.name)}: the tools are ${MCP_TOOLS.map((spec) => spec.name).join(', ')}`);
      const args = (request.params?.arguments ?? {}) as Record<string, unknown>;
      const missing = tool.required.filter((name) => args[name] === undefined || args[name] === '');
      if (missing.length > 0) return reply({ content: [{ type: 'text', text: `missing ${missing.join(', ')}` }], isError: true });
      const { code, output } = await run(tool.argv(args));
      return reply({ content: [{ type: 'text', text: output.trim() || 'ok' }], isError: code !== 0 });
    }
    default: return fail(-32601, `method ${request.method} is not supported by this tool server`);
  }
}

/** Serves MCP on stdin/stdout until stdin ends. */
export function serveMcp(run: RunCommand): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    let request: RpcRequest;
    try {
      request = JSON.parse(line) as RpcRequest;
    } catch {
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'not JSON' } })}\n`);
      return;
    }
    void answerRpc(request, run).then((answer) => {
      if (answer !== undefined) process.stdout.write(`${JSON.stringify(answer)}\n`);
    });
  });
}
