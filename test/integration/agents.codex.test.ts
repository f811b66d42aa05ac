import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, CONTAINER_PATHS, parseCodexResult, type SessionContext } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';
import { DockerRuntime, gantryLabels, runSelector, type ContainerExit } from '../../harness/runtime/index.ts';
import { makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import { outputTokensOf, tokensOf, type ModelStep, type ScriptStep } from '../helpers/model-server/script.ts';
import { removeScriptedModels, startScriptedModel, type ScriptedModel } from '../helpers/scripted-model.ts';

const AGENT_IMAGE = 'gantry/codex';
const SERVER_IMAGE = 'gantry/agent-base';
const PRICE = { input: 1.25, cachedInput: 0.125, output: 10 };
const docker = new Dockerode();
const runtime = new DockerRuntime({ docker });

const context: SessionContext = {
  task: { id: 'hello-task', text: 'Add hello.txt', role: 'core', files: [], source: 'manual', createdAt: new Date().toISOString() },
  attempt: 1,
  session: 1,
};

beforeAll(async () => {
  for (const image of [AGENT_IMAGE, SERVER_IMAGE]) {
    const present = await docker.getImage(image).inspect().then(() => true, () => false);
    if (!present) throw new Error(`image ${image} is missing: run images/build-offline.sh first`);
  }
});

describe('Codex CLI as a gantry agent, against a scripted Responses API', () => {
  let run: string;
  let dir: string;
  let workTree: string;
  let contextDir: string;
  let upstream: Upstream;

  /** The config a user would write for this model server, read the way the controller reads it. */
  async function configFor(model: ScriptedModel): Promise<GantryConfig> {
    const file = join(dir, 'gantry.yaml');
    await writeFile(file, [
      'repo:',
      `  url: ${upstream.url}`,
      'agent:',
      '  kind: codex',
      `  image: ${AGENT_IMAGE}`,
      '  model: gpt-scripted',
      `  price: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }`,
      '  env:',
      `    OPENAI_BASE_URL: ${model.url}`,
      '    OPENAI_API_KEY: sk-scripted',
      'container:',
      `  network: ${model.network}`,
      '  memory: 1g',
      'gate:',
      '  command: "true"',
      '',
    ].join('\n'));
    return loadConfig(file, { env: {} });
  }

  /** One session exactly as the session loop starts it: the adapter's argv and env, the work tree and the read-only context. */
  async function runSession(script: readonly ScriptStep[]): Promise<{ exit: ContainerExit; log: string; model: ScriptedModel; config: GantryConfig }> {
    const model = await startScriptedModel(docker, { api: 'openai-responses', script, labels: runSelector(run) });
    const config = await configFor(model);
    const invocation = agentFor(config).invocation(context);
    const logFile = join(dir, 'session.log');
    const exit = await runtime.run(
      {
        image: config.agent.image,
        command: invocation.command,
        env: invocation.env,
        workdir: CONTAINER_PATHS.workTree,
        mounts: [
          { hostPath: workTree, containerPath: CONTAINER_PATHS.workTree, readOnly: false },
          { hostPath: contextDir, containerPath: CONTAINER_PATHS.context, readOnly: true },
        ],
        labels: gantryLabels({ run, task: context.task.id, role: context.task.role, purpose: 'session' }),
        limits: config.container,
        network: config.container.network,
        user: config.container.user,
      },
      { timeoutMs: 90_000, logFile },
    );
    return { exit, log: await readFile(logFile, 'utf8'), model, config };
  }

  beforeEach(async () => {
    run = `test-${randomUUID()}`;
    dir = await mkdtemp(join(tmpdir(), 'gantry-codex-'));
    upstream = await makeUpstream({ files: { 'README.md': '# demo\n' } });
    workTree = join(dir, 'work');
    await plainGit(dir, ['clone', '--quiet', upstream.dir, workTree]);
    await execa('chown', ['-R', '1000:1000', workTree]);
    contextDir = join(dir, 'context');
    await mkdir(contextDir);
    await writeFile(join(contextDir, 'brief.md'), '# Task\n\nAdd hello.txt containing "hello", commit it, then run `gantry-agent done`.\n');
    await chmod(dir, 0o755);
  });

  afterEach(async () => {
    await runtime.removeAll(runSelector(run));
    await removeScriptedModels(docker, runSelector(run));
    await rm(dir, { recursive: true, force: true });
    await upstream.cleanup();
  });

  it('when the model reads the brief, writes a file, commits it and declares done through the shell tool, the commit and the done file are in the work tree and the report prices the tokens the server counted', async () => {
    const script: ModelStep[] = [
      { tool: 'exec_command', input: { cmd: 'cat "$GANTRY_TASK_FILE"' } },
      { tool: 'exec_command', input: { cmd: "printf 'hello\\n' > hello.txt && git add hello.txt && git commit -q -m 'Add hello.txt'" } },
      { tool: 'exec_command', input: { cmd: "gantry-agent done --summary 'hello.txt added'" } },
      { text: 'Done: hello.txt is committed.' },
    ];

    const { exit, log, model, config } = await runSession(script);

    expect(exit).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
    expect(await plainGit(workTree, ['log', '-1', '--format=%s|%an'])).toBe('Add hello.txt|gantry agent (core)');
    expect(await plainGit(workTree, ['show', 'HEAD:hello.txt'])).toBe('hello');
    expect(await readFile(join(workTree, '.gantry', 'done'), 'utf8')).toBe('hello.txt added\n');

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
    const before = await plainGit(workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model, config } = await runSession([{ status: 429 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(agentFor(config).report(log)).toMatchObject({ end: 'rate-limited', usage: { costUsd: 0 }, message: expect.stringContaining('429') });
    expect(await plainGit(workTree, ['rev-parse', 'HEAD'])).toBe(before);
    expect((await model.requests()).length).toBe(2);
  });

  it('when the model API refuses the key (401), the session ends "auth" at once with nothing committed', async () => {
    const before = await plainGit(workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model, config } = await runSession([{ status: 401 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(agentFor(config).report(log)).toMatchObject({ end: 'auth', usage: { costUsd: 0 }, message: expect.stringContaining('401 Unauthorized') });
    expect(await plainGit(workTree, ['rev-parse', 'HEAD'])).toBe(before);
    // One retry of the refused call, as with any failed call.
    expect((await model.requests()).length).toBe(2);
  });
});
