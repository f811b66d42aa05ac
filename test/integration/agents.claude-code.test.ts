import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClaudeResult } from '../../harness/agents/index.ts';
import { useAgentSession } from '../helpers/agent-session.ts';
import { plainGit } from '../helpers/git-fixture.ts';

describe('Claude Code as a gantry agent, against a scripted model', () => {
  const session = useAgentSession({
    image: 'gantry/claude-code',
    api: 'anthropic',
    agent: (model) => ({
      kind: 'claude-code',
      env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'sk-ant-scripted' },
    }),
  });

  it('when the model writes a file, commits it and declares done, the commit and the done file are in the work tree and the result has the session, cost and turns', async () => {
    const { exit, log, model } = await session.run([
      { tool: 'Write', input: { file_path: '/work/hello.txt', content: 'hello\n' } },
      { tool: 'Bash', input: { command: "git add -A && git commit -q -m 'Add hello.txt'" } },
      { tool: 'Bash', input: { command: "gantry-agent done --summary 'hello.txt added'" } },
      { text: 'Done: hello.txt is committed.' },
    ]);

    expect(exit).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
    expect(await plainGit(session.workTree, ['log', '-1', '--format=%s|%an'])).toBe('Add hello.txt|gantry agent (core)');
    expect(await plainGit(session.workTree, ['show', 'HEAD:hello.txt'])).toBe('hello');
    expect(await readFile(join(session.workTree, '.gantry', 'done'), 'utf8')).toBe('hello.txt added\n');
    const result = parseClaudeResult(log);
    expect(result).toMatchObject({ isError: false, end: 'ok', turns: 4 });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.costUsd).toBeGreaterThan(1e-6);
    const requests = await model.requests();
    expect(requests.map((request) => [request.method, request.path, request.session, request.step])).toEqual(
      [0, 1, 2, 3].map((step) => ['POST', '/v1/messages?beta=true', result.sessionId, step]),
    );
    expect(requests[0]?.headers['x-api-key']).toBe('sk-ant-scripted');
    // The session's total is the sum of what the server counted; Claude Code prices it from its own table.
    expect(result.inputTokens).toBeGreaterThan(0);
  });

  it('when the model API refuses the key (401), the session ends at once with end "auth" and nothing committed', async () => {
    const before = await plainGit(session.workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model } = await session.run([{ status: 401 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(parseClaudeResult(log)).toMatchObject({ isError: true, apiErrorStatus: 401, end: 'auth', costUsd: 0 });
    expect(await plainGit(session.workTree, ['rev-parse', 'HEAD'])).toBe(before);
    // With CLAUDE_CODE_MAX_RETRIES 0 (the adapter's default) a refused key costs one request.
    expect((await model.requests()).length).toBe(1);
  });
});
