import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, CodexAgent, parseCodexResult, priceTokens, sessionPrompt, type SessionContext } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/codex');
const fixture = (name: string) => readFile(path.join(FIXTURES, name), 'utf8');

const context: SessionContext = {
  task: { id: 'task-1', text: 'Write hello.txt', role: 'core', files: [], source: 'manual', createdAt: '2025-01-01T00:00:00.000Z' },
  attempt: 2,
  session: 3,
};

/** The value of each `-c key=value` override in argv. */
function overrides(command: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  command.forEach((arg, index) => {
    const next = command[index + 1];
    if (arg !== '-c' || next === undefined) return;
    const at = next.indexOf('=');
    found[next.slice(0, at)] = next.slice(at + 1);
  });
  return found;
}

describe('CodexAgent', () => {
  let dir: string;

  async function config(agent: string): Promise<GantryConfig> {
    const file = path.join(dir, 'gantry.yaml');
    await writeFile(file, `repo:\n  url: ./upstream.git\nagent:\n  kind: codex\n  image: gantry/codex\n  price: { input: 1.25, cachedInput: 0.125, output: 10 }\n${agent}\ngate:\n  command: npm test\n`);
    return loadConfig(file, { env: {} });
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gantry-codex-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when the config names a model and a base URL, it runs codex exec with JSON events, no approvals or sandbox, gantry\'s provider at that URL and that model, and the prompt last', async () => {
    const agent = agentFor(await config('  model: gpt-5-codex\n  env:\n    OPENAI_BASE_URL: http://model:8080/v1\n    OPENAI_API_KEY: sk-test'));

    const { command } = agent.invocation(context);

    expect(agent).toBeInstanceOf(CodexAgent);
    expect(agent).toMatchObject({ kind: 'codex', provider: 'openai' });
    expect(command.slice(0, 6)).toEqual(['codex', 'exec', '--json', '--strict-config', '--ephemeral', '--dangerously-bypass-approvals-and-sandbox']);
    expect(command.slice(-3)).toEqual(['--model', 'gpt-5-codex', sessionPrompt(context)]);
    expect(sessionPrompt(context)).toContain('$GANTRY_TASK_FILE (/gantry/brief.md)');
    expect(overrides(command)).toEqual({
      model_provider: '"gantry"',
      'model_providers.gantry.name': '"gantry"',
      'model_providers.gantry.base_url': '"http://model:8080/v1"',
      'model_providers.gantry.env_key': '"OPENAI_API_KEY"',
      'model_providers.gantry.wire_api': '"responses"',
      'model_providers.gantry.request_max_retries': '0',
      'model_providers.gantry.stream_max_retries': '1',
      check_for_update_on_startup: 'false',
      'analytics.enabled': 'false',
      'features.plugins': 'false',
      'features.remote_plugin': 'false',
      'features.unbounded_connection_retries': 'false',
    });
    // The key reaches the CLI through its environment only.
    expect(command.join(' ')).not.toContain('sk-test');
  });

  it('when agent.env has no base URL and the config no model, it points at OpenAI and leaves the model to the CLI', async () => {
    const { command } = agentFor(await config('  env:\n    OPENAI_API_KEY: sk-test')).invocation(context);

    expect(overrides(command)['model_providers.gantry.base_url']).toBe('"https://api.openai.com/v1"');
    expect(command).not.toContain('--model');
  });

  it('when it builds the environment, it passes agent.env (the key) and the session environment gantry sets up', async () => {
    const { env } = agentFor(await config('  env:\n    OPENAI_API_KEY: sk-test\n    HOME: /elsewhere')).invocation(context);

    expect(env).toMatchObject({
      OPENAI_API_KEY: 'sk-test',
      HOME: '/home/agent',
      GANTRY_TASK_FILE: '/gantry/brief.md',
      GANTRY_SESSION: '3',
      GIT_AUTHOR_EMAIL: 'agent+task-1@gantry.localhost',
    });
  });

  it('when the config has no price, constructing the adapter fails with CONFIG_INVALID naming agent.price', async () => {
    const priced = await config('');
    const { price: _price, ...agent } = priced.agent;

    expect(() => new CodexAgent({ ...priced, agent })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('agent.price: required for agent kind "codex"') }));
  });

  it('when a session succeeded, the report has its thread id, its tokens and their cost at the configured price', async () => {
    const report = agentFor(await config('')).report(await fixture('success.out'));

    expect(report).toMatchObject({ end: 'ok', sessionId: '01a20826-cbb0-7222-82f0-ec993337e1be', usage: { provider: 'openai', inputTokens: 40376, outputTokens: 57 } });
    // 10267 uncached at $1.25, 30109 cached at $0.125, 57 out at $10 (per million).
    expect(report.usage.costUsd).toBeCloseTo((10267 * 1.25 + 30109 * 0.125 + 57 * 10) / 1e6, 12);
    expect(report.message).toBeUndefined();
  });

  it('when the CLI printed no events, the report ends in error, costs nothing and quotes the output', async () => {
    const report = agentFor(await config('')).report('Error loading config.toml: unknown configuration field `x` in -c/--config override\n');

    expect(report).toMatchObject({ end: 'error', usage: { costUsd: 0, inputTokens: 0, outputTokens: 0 }, message: expect.stringContaining('unknown configuration field') });
  });
});

describe('parseCodexResult', () => {
  it('when the session succeeded, it reads the thread id and the turn\'s tokens, cached and reasoning apart', async () => {
    expect(parseCodexResult(await fixture('success.out'))).toEqual({
      threadId: '01a20826-cbb0-7222-82f0-ec993337e1be',
      tokens: { inputTokens: 40376, cachedInputTokens: 30109, outputTokens: 57, reasoningOutputTokens: 0 },
      end: 'ok',
    });
  });

  it.each([
    ['auth-401.out', 'auth', 'unexpected status 401 Unauthorized'],
    ['quota-429.out', 'auth', 'Quota exceeded'],
    ['rate-limit-429.out', 'rate-limited', 'last status: 429 Too Many Requests'],
    ['server-error-500.out', 'rate-limited', 'high demand'],
    ['overloaded-503.out', 'rate-limited', 'at capacity'],
    ['unreachable.out', 'error', 'Connection failed'],
  ] as const)('when the recorded session %s failed its turn, it ends %s with the CLI\'s message and no tokens', async (file, end, words) => {
    const result = parseCodexResult(await fixture(file));

    expect(result).toMatchObject({ end, tokens: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 } });
    expect(result.errorText).toContain(words);
    expect(result.threadId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a thread started but no turn finished (the CLI was killed), it throws a retryable AGENT_FAILED', async () => {
    const started = (await fixture('success.out')).split('\n').slice(0, 3).join('\n');

    expect(() => parseCodexResult(started)).toThrow(expect.objectContaining({ code: 'AGENT_FAILED', retryable: true, message: expect.stringContaining('finished no turn') }));
  });

  it('when the output holds no event, it throws a retryable AGENT_FAILED that quotes the output', () => {
    expect(() => parseCodexResult('Error: spawn codex ENOENT\n')).toThrow(expect.objectContaining({ code: 'AGENT_FAILED', retryable: true, message: expect.stringContaining('ENOENT') }));
  });
});

describe('priceTokens', () => {
  const price = { input: 2, cachedInput: 0.5, output: 8 };

  it.each([
    [{ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, 0],
    [{ inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 }, 2],
    [{ inputTokens: 1_000_000, cachedInputTokens: 1_000_000, outputTokens: 0 }, 0.5],
    [{ inputTokens: 3_000_000, cachedInputTokens: 1_000_000, outputTokens: 500_000 }, 2 * 2 + 0.5 + 4],
  ])('when %o is priced, it costs $%d', (tokens, dollars) => {
    expect(priceTokens(tokens, price)).toBeCloseTo(dollars, 12);
  });
});
