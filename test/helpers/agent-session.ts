import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { stringify } from 'yaml';
import { agentFor, CONTAINER_PATHS, type SessionContext } from '../../harness/agents/index.ts';
import { loadConfig, type GantryConfig } from '../../harness/config/index.ts';
import { DockerRuntime, gantryLabels, runSelector, type ContainerExit } from '../../harness/runtime/index.ts';
import { makeUpstream, plainGit, type Upstream } from './git-fixture.ts';
import type { ScriptStep } from './model-server/script.ts';
import type { ModelApiName } from './model-server/serve.ts';
import { removeScriptedModels, SCRIPTED_MODEL_IMAGE, startScriptedModel, type ScriptedModel } from './scripted-model.ts';

/** The task every session is given: its brief asks for hello.txt, committed, then `gantry-agent done`. */
const HELLO_TASK: SessionContext = {
  task: { id: 'hello-task', text: 'Add hello.txt', role: 'core', files: [], source: 'manual', createdAt: new Date().toISOString() },
  attempt: 1,
  session: 1,
};
const HELLO_BRIEF = '# Task\n\nAdd hello.txt containing "hello", commit it, then run `gantry-agent done`.\n';

export interface AgentSessionOptions {
  /** The agent's image, e.g. gantry/codex; it must be built. */
  image: string;
  /** The API the scripted model speaks. */
  api: ModelApiName;
  /** gantry.yaml's `agent` fields besides `image` (kind, env with the model's URL and key, …) for this model server. */
  agent(model: ScriptedModel): Record<string, unknown>;
}

export interface AgentSession {
  config: GantryConfig;
  exit: ContainerExit;
  /** The container's output. */
  log: string;
  model: ScriptedModel;
}

export interface AgentSessionFixture {
  /** The test's clone of the upstream, mounted as the session's work tree (owned by the agent uid). */
  readonly workTree: string;
  /** Runs one session against a scripted model that follows `script`. */
  run(script: readonly ScriptStep[]): Promise<AgentSession>;
}

/**
 * Per test: a clone of a fresh upstream as the work tree and a context folder
 * with the hello task's brief; `run` starts one session in a container exactly
 * as the session loop does. Fails at once when an image is missing; removes
 * the containers, networks and folders after each test.
 */
export function useAgentSession(options: AgentSessionOptions): AgentSessionFixture {
  const docker = new Dockerode();
  const runtime = new DockerRuntime({ docker });
  let runId: string;
  let dir: string;
  let workTree: string;
  let contextDir: string;
  let upstream: Upstream;

  /** The config a user would write for this model server, read the way the controller reads it. */
  async function configFor(model: ScriptedModel): Promise<GantryConfig> {
    const file = join(dir, 'gantry.yaml');
    await writeFile(file, stringify({
      repo: { url: upstream.url },
      agent: { ...options.agent(model), image: options.image },
      container: { network: model.network, memory: '1g' },
      gate: { command: 'true' },
    }));
    return loadConfig(file, { env: {} });
  }

  beforeAll(async () => {
    for (const image of [options.image, SCRIPTED_MODEL_IMAGE]) {
      const present = await docker.getImage(image).inspect().then(() => true, () => false);
      if (!present) throw new Error(`image ${image} is missing: run images/build-offline.sh first`);
    }
  });

  beforeEach(async () => {
    runId = `test-${randomUUID()}`;
    dir = await mkdtemp(join(tmpdir(), 'gantry-agent-session-'));
    upstream = await makeUpstream({ files: { 'README.md': '# demo\n' } });
    workTree = join(dir, 'work');
    await plainGit(dir, ['clone', '--quiet', upstream.dir, workTree]);
    await execa('chown', ['-R', '1000:1000', workTree]);
    contextDir = join(dir, 'context');
    await mkdir(contextDir);
    await writeFile(join(contextDir, 'brief.md'), HELLO_BRIEF);
    await chmod(dir, 0o755);
  });

  afterEach(async () => {
    await runtime.removeAll(runSelector(runId));
    await removeScriptedModels(docker, runSelector(runId));
    await rm(dir, { recursive: true, force: true });
    await upstream.cleanup();
  });

  return {
    get workTree() {
      return workTree;
    },
    async run(script) {
      const model = await startScriptedModel(docker, { api: options.api, script, labels: runSelector(runId) });
      const config = await configFor(model);
      const invocation = agentFor(config).invocation(HELLO_TASK);
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
          labels: gantryLabels({ run: runId, task: HELLO_TASK.task.id, role: HELLO_TASK.task.role, purpose: 'session' }),
          limits: config.container,
          network: config.container.network,
          user: config.container.user,
        },
        { timeoutMs: 90_000, logFile },
      );
      return { config, exit, log: await readFile(logFile, 'utf8'), model };
    },
  };
}
