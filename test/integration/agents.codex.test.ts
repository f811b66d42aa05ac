import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentFor, parseCodexResult } from '../../harness/agents/index.ts';
import { useAgentSession } from '../helpers/agent-session.ts';
import { plainGit } from '../helpers/git-fixture.ts';
import { outputTokensOf, tokensOf, type ModelStep } from '../helpers/model-server/script.ts';

const PRICE = { input: 1.25, cachedInput: 0.125, output: 10 };

describe('Codex CLI as a gantry agent, against a scripted Responses API', () => {
  const session = useAgentSession({
    image: 'gantry/codex',
    api: 'openai-responses',
    agent: (model) => ({
      kind: 'codex',
      model: 'gpt-scripted',
      price: PRICE,
      env: { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'sk-scripted' },
    }),
  });

  it('when the model reads the brief, writes a file, commits it and declares done through the shell tool, the commit and the done file are in the work tree and the report prices the tokens the server counted', async () => {
    const script: ModelStep[] = [
      { tool: 'exec_command', input: { cmd: 'cat "$GANTRY_TASK_FILE"' } },
      { tool: 'exec_command', input: { cmd: "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -q -m 'Add hello.txt'" } },
      { tool: 'exec_command', input: { cmd: "gantry-agent done --summary 'hello.txt added'" } },
      { text: 'Done: hello.txt is committed.' },
    ];

    const { exit, log, model, config } = await session.run(script);

    expect(exit).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
    expect(await plainGit(session.workTree, ['log', '-1', '--format=%s|%an'])).toBe('Add hello.txt|gantry agent (core)');
    expect(await plainGit(session.workTree, ['show', 'HEAD:hello.txt'])).toBe('hello');
    expect(await readFile(join(session.workTree, '.gantry', 'done'), 'utf8')).toBe('hello.txt added\n');

    const result = parseCodexResult(log);
    const requests = await model.requests();
    expect(result.end).toBe('ok');
    expect(requests.map((request) => [request.method, request.path, request.session, request.step])).toEqual(
      [0, 1, 2, 3].map((step) => ['POST', '/v1/responses', result.threadId, step]),
    );
    expect(requests[0]?.headers.authorization).toBe('Bearer sk-scripted');
    // The brief reached the model as the first tool's output.
    expect(JSON.stringify(requests[1]?.body)).toContain('Add hello.txt containing');

    // The CLI's totals are what the server reported: every prompt, the prefix each repeated counted as cached, and the steps' output.
    const prompts = requests.map((request) => tokensOf(JSON.stringify(request.body)));
    const cached = prompts.reduce((sum, tokens, index) => sum + Math.min(prompts[index - 1] ?? 0, tokens), 0);
    expect(result.tokens).toEqual({
      inputTokens: prompts.reduce((sum, tokens) => sum + tokens, 0),
      cachedInputTokens: cached,
      outputTokens: script.reduce((sum, step) => sum + outputTokensOf(step), 0),
      reasoningOutputTokens: 0,
    });
    expect(cached).toBeGreaterThan(0);

    const report = agentFor(config).report(log);
    const { inputTokens, cachedInputTokens, outputTokens } = result.tokens;
    expect(report).toMatchObject({ end: 'ok', sessionId: result.threadId, usage: { provider: 'openai', inputTokens, outputTokens } });
    expect(report.usage.costUsd).toBeCloseTo(((inputTokens - cachedInputTokens) * PRICE.input + cachedInputTokens * PRICE.cachedInput + outputTokens * PRICE.output) / 1e6, 12);
    expect(report.usage.costUsd).toBeGreaterThan(0);
  });

  it('when the model API rate-limits every call (429), the session retries once, then ends "rate-limited" with nothing committed', async () => {
    const before = await plainGit(session.workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model, config } = await session.run([{ status: 429 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(agentFor(config).report(log)).toMatchObject({ end: 'rate-limited', usage: { costUsd: 0 }, message: expect.stringContaining('429') });
    expect(await plainGit(session.workTree, ['rev-parse', 'HEAD'])).toBe(before);
    expect((await model.requests()).length).toBe(2);
  });

  it('when the model API refuses the key (401), the session ends "auth" at once with nothing committed', async () => {
    const before = await plainGit(session.workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model, config } = await session.run([{ status: 401 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(agentFor(config).report(log)).toMatchObject({ end: 'auth', usage: { costUsd: 0 }, message: expect.stringContaining('401 Unauthorized') });
    expect(await plainGit(session.workTree, ['rev-parse', 'HEAD'])).toBe(before);
    // One retry of the refused call, as with any failed call.
    expect((await model.requests()).length).toBe(2);
  });
});
