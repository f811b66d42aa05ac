import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agentFor, CONTAINER_PATHS, parseClaudeResult, type SessionContext } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';
import { DockerRuntime, gantryLabels, runSelector, type ContainerExit } from '../../harness/runtime/index.ts';
import { makeUpstream, plainGit, type Upstream } from '../helpers/git-fixture.ts';
import type { ScriptStep } from '../helpers/model-server/script.ts';
import { removeScriptedModels, startScriptedModel, type ScriptedModel } from '../helpers/scripted-model.ts';

const AGENT_IMAGE = 'gantry/claude-code';
const SERVER_IMAGE = 'gantry/agent-base';
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

describe('Claude Code as a gantry agent, against a scripted model', () => {
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
      '  kind: claude-code',
      `  image: ${AGENT_IMAGE}`,
      '  env:',
      `    ANTHROPIC_BASE_URL: ${model.url}`,
      '    ANTHROPIC_API_KEY: sk-ant-scripted',
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
  async function runSession(script: readonly ScriptStep[]): Promise<{ exit: ContainerExit; log: string; model: ScriptedModel }> {
    const model = await startScriptedModel(docker, { script, labels: runSelector(run) });
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
    return { exit, log: await readFile(logFile, 'utf8'), model };
  }

  beforeEach(async () => {
    run = `test-${randomUUID()}`;
    dir = await mkdtemp(join(tmpdir(), 'gantry-claude-'));
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

  it('when the model writes a file, commits it and declares done, the commit and the done file are in the work tree and the result has the session, cost and turns', async () => {
    const { exit, log, model } = await runSession([
      { tool: 'Write', input: { file_path: '/work/hello.txt', content: 'hello\n' } },
      { tool: 'Bash', input: { command: "git add -A && git commit -q -m 'Add hello.txt'" } },
      { tool: 'Bash', input: { command: "gantry-agent done --summary 'hello.txt added'" } },
      { text: 'Done: hello.txt is committed.' },
    ]);

    expect(exit).toMatchObject({ exitCode: 0, timedOut: false, oomKilled: false });
    expect(await plainGit(workTree, ['log', '-1', '--format=%s|%an'])).toBe('Add hello.txt|gantry agent (core)');
    expect(await plainGit(workTree, ['show', 'HEAD:hello.txt'])).toBe('hello');
    expect(await readFile(join(workTree, '.gantry', 'done'), 'utf8')).toBe('hello.txt added\n');
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
    const before = await plainGit(workTree, ['rev-parse', 'HEAD']);

    const { exit, log, model } = await runSession([{ status: 401 }]);

    expect(exit).toMatchObject({ exitCode: 1, timedOut: false });
    expect(exit.durationMs).toBeLessThan(30_000);
    expect(parseClaudeResult(log)).toMatchObject({ isError: true, apiErrorStatus: 401, end: 'auth', costUsd: 0 });
    expect(await plainGit(workTree, ['rev-parse', 'HEAD'])).toBe(before);
    // Claude Code 2.1 tries a refused key once more before it gives up.
    expect((await model.requests()).length).toBeLessThanOrEqual(2);
  });
});
