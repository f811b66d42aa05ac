import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, ClaudeCodeAgent, GANTRY_MCP_CONFIG, parseClaudeResult, type SessionContext } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/claude-code');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

const context: SessionContext = {
  task: { id: 'task-1', text: 'Write hello.txt', role: 'core', files: [], source: 'manual', createdAt: '2025-01-01T00:00:00.000Z' },
  attempt: 2,
  session: 3,
};

describe('ClaudeCodeAgent', () => {
  let dir: string;

  async function config(agent: string): Promise<GantryConfig> {
    const file = path.join(dir, 'gantry.yaml');
    await writeFile(file, `repo:\n  url: ./upstream.git\nagent:\n${agent}\ngate:\n  command: npm test\n`);
    return loadConfig(file, { env: {} });
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gantry-claude-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when the config names a model, it runs claude in print mode with a JSON result, no permission prompts and that model', async () => {
    const agent = agentFor(await config('  kind: claude-code\n  image: gantry/claude-code\n  model: claude-sonnet-4-5'));

    const { command } = agent.invocation(context);

    expect(agent).toBeInstanceOf(ClaudeCodeAgent);
    expect(command.slice(0, 2)).toEqual(['claude', '-p']);
    expect(command.slice(3)).toEqual(['--mcp-config', GANTRY_MCP_CONFIG, '--output-format', 'json', '--dangerously-skip-permissions', '--model', 'claude-sonnet-4-5']);
    // The session's MCP server is gantry-mcp, started by the CLI with the session's environment.
    expect(JSON.parse(GANTRY_MCP_CONFIG)).toEqual({ mcpServers: { gantry: { type: 'stdio', command: 'gantry-mcp', args: [] } } });
    // The prompt names the task first, so the model calls can be told apart by task.
    expect(command[2]).toMatch(/^Task task-1\. /);
    expect(command[2]).toContain('$GANTRY_TASK_FILE (/gantry/brief.md)');
    expect(command[2]).toContain('gantry-agent done');
  });

  it('when the config names no model, it leaves the choice to the CLI', async () => {
    const { command } = agentFor(await config('  kind: claude-code\n  image: gantry/claude-code')).invocation(context);

    expect(command).not.toContain('--model');
  });

  it('when it builds the environment, it adds the quiet, non-updating, no-retry settings to the session environment and passes the model endpoint and key from agent.env', async () => {
    const agent = agentFor(await config([
      '  kind: claude-code',
      '  image: gantry/claude-code',
      '  env:',
      '    ANTHROPIC_BASE_URL: http://model:8080',
      '    ANTHROPIC_API_KEY: sk-test',
      '    CLAUDE_CODE_MAX_RETRIES: "3"',
      '    HOME: /elsewhere',
    ].join('\n')));

    const { env } = agent.invocation(context);

    expect(env).toMatchObject({
      ANTHROPIC_BASE_URL: 'http://model:8080',
      ANTHROPIC_API_KEY: 'sk-test',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      // agent.env may tune the CLI, but never move what gantry sets up.
      CLAUDE_CODE_MAX_RETRIES: '3',
      HOME: '/home/agent',
      GANTRY_TASK_FILE: '/gantry/brief.md',
      GANTRY_DONE_FILE: '/work/.gantry/done',
      GANTRY_SESSION: '3',
      GIT_AUTHOR_EMAIL: 'agent+task-1@gantry.localhost',
      GIT_COMMITTER_NAME: 'gantry agent (core)',
    });
  });

  it('when agent.env does not set the retries, a session never retries a failed model call (the shared backoff decides)', async () => {
    const { env } = agentFor(await config('  kind: claude-code\n  image: gantry/claude-code')).invocation(context);

    expect(env.CLAUDE_CODE_MAX_RETRIES).toBe('0');
  });
});

describe('parseClaudeResult', () => {
  it('when the session succeeded, it reads the session id, cost, tokens and turns', async () => {
    const result = parseClaudeResult(await fixture('success.json'));

    expect(result).toMatchObject({ sessionId: 'bac0460e-719f-45c1-b204-824a453ecaa1', inputTokens: 50313, outputTokens: 51, turns: 4, isError: false, end: 'ok' });
    expect(result.costUsd).toBeCloseTo(0.202272, 9);
    expect(result.apiErrorStatus).toBeUndefined();
  });

  it.each([
    ['auth-401.json', 401, 'auth'],
    ['rate-limit-429.json', 429, 'rate-limited'],
    ['overloaded-529.json', 529, 'rate-limited'],
  ] as const)('when the model API answered %s (subtype still "success"), it reports the status and the end', async (file, status, end) => {
    const result = parseClaudeResult(await fixture(file));

    expect(result).toMatchObject({ isError: true, apiErrorStatus: status, end, costUsd: 0, turns: 1 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the result is an error without an API status, it ends as error', async () => {
    const json = JSON.parse(await fixture('success.json')) as Record<string, unknown>;

    const result = parseClaudeResult(JSON.stringify({ ...json, subtype: 'error_max_turns', is_error: true }));

    expect(result).toMatchObject({ isError: true, end: 'error' });
  });

  it('when stderr lines surround the result (a session log), it still finds the result', async () => {
    const output = ['{ not json', 'warning: something', (await fixture('success.json')).trim(), 'bye'].join('\n');

    expect(parseClaudeResult(output).turns).toBe(4);
  });

  it('when the output holds no result, it throws a retryable AGENT_FAILED that quotes the output', () => {
    expect(() => parseClaudeResult('Error: connect ECONNREFUSED\n')).toThrow(expect.objectContaining({
      code: 'AGENT_FAILED',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    }));
  });
});
