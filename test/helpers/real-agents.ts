import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import Dockerode from 'dockerode';
import { afterEach, beforeAll } from 'vitest';
import { DockerRuntime, runSelector } from '../../harness/runtime/index.ts';
import type { ModelStep, ScriptStep } from './model-server/script.ts';
import type { RecordedRequest } from './model-server/scripted-server.ts';
import type { ModelApiName } from './model-server/serve.ts';
import { useProject } from './e2e-project.ts';
import type { Project, ProjectOptions } from './project-fixture.ts';
import { removeScriptedModels, SCRIPTED_MODEL_IMAGE, startScriptedModel, type ScriptedModel } from './scripted-model.ts';

/** Each API's real agent CLI: its kind, its image, and how gantry.yaml points it at a model server. */
const CLIS = {
  anthropic: { kind: 'claude-code', image: 'gantry/claude-code', shell: 'Bash', shellInput: 'command', baseUrl: 'ANTHROPIC_BASE_URL', key: 'ANTHROPIC_API_KEY' },
  'openai-responses': { kind: 'codex', image: 'gantry/codex', shell: 'exec_command', shellInput: 'cmd', baseUrl: 'OPENAI_BASE_URL', key: 'OPENAI_API_KEY' },
} as const satisfies Record<ModelApiName, unknown>;

/** What the codex kind prices its tokens at (dollars per million). */
export const CODEX_PRICE = { input: 1.25, cachedInput: 0.125, output: 10 };

/**
 * The shell command a scripted model has the agent run for any task: write
 * notes/<task id>.txt holding the id (the fixture project's tests check that
 * a note holds its own name), commit it with git and declare the task done.
 */
const NOTE_COMMAND = [
  'mkdir -p notes',
  'printf "%s\\n" "$GANTRY_TASK_ID" > "notes/$GANTRY_TASK_ID.txt"',
  'git add notes',
  'git commit -qm "note $GANTRY_TASK_ID"',
  'gantry-agent done --summary "wrote notes/$GANTRY_TASK_ID.txt"',
].join(' && ');

/** A session that does its task in one call of the CLI's own shell tool, then says so and ends. */
export function noteScript(api: ModelApiName): ModelStep[] {
  const cli = CLIS[api];
  return [{ tool: cli.shell, input: { [cli.shellInput]: NOTE_COMMAND } }, { text: 'Done: the note is committed.' }];
}

/** The project options that run `api`'s real CLI against `model`, with `key` as its model key. */
export function realAgent(api: ModelApiName, model: ScriptedModel, key: string): ProjectOptions {
  const cli = CLIS[api];
  return {
    agent: { kind: cli.kind, image: cli.image, ...(cli.kind === 'codex' ? { model: 'gpt-scripted', price: CODEX_PRICE } : {}) },
    agentEnv: { [cli.baseUrl]: model.url, [cli.key]: key },
    network: model.network,
    // The CLIs are native executables of a few hundred MB,
    memory: '1g',
    // and eight of them starting at once on 2 cores take seconds to make their first call.
    sessionTimeoutMs: 90_000,
  };
}

/** The task a request to the model was made for: every session's prompt opens with "Task <id>.". */
export function taskOfRequest(request: RecordedRequest): string | undefined {
  return /Task ([0-9a-f]{16})\./.exec(JSON.stringify(request.body))?.[1];
}

/** Files under `dir` (relative paths) whose bytes hold `needle`, binary files included. */
export async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) found.push(relative(dir, path));
  }
  return found;
}

/** A model key no test could have by chance, to look for afterwards. */
export interface Canary {
  key: string;
  /** Its random part: a leak shows however the key is framed (quoted, masked at the front, in a header). */
  secret: string;
}

export function canaryKey(prefix: string): Canary {
  const secret = randomBytes(12).toString('hex');
  return { key: `${prefix}canary-${secret}`, secret };
}

export interface RealAgentFixture {
  /** Starts a scripted model API for this test, in a container on a network of its own. */
  model(api: ModelApiName, script: readonly ScriptStep[]): Promise<ScriptedModel>;
  /** Makes a fixture project for this test (see makeProject); give it realAgent(...) to run a real CLI. */
  project(options: ProjectOptions): Promise<Project>;
}

/**
 * Per test: scripted model servers and fixture projects whose agents are the
 * real CLIs. Fails at once when an image is missing; after each test removes
 * any container the projects' runs left, then the servers and their
 * networks; then the projects' folders and Redis keys go (useProject).
 */
export function useRealAgents(): RealAgentFixture {
  // Registered first: vitest runs after-hooks last-registered first, so the
  // hook below still finds each project's run in Redis.
  const newProject = useProject();
  const docker = new Dockerode();
  const runtime = new DockerRuntime({ docker });
  const made: Project[] = [];
  let labels = runSelector(`test-${randomBytes(6).toString('hex')}`);

  beforeAll(async () => {
    for (const image of [...Object.values(CLIS).map((cli) => cli.image), SCRIPTED_MODEL_IMAGE]) {
      const present = await docker.getImage(image).inspect().then(() => true, () => false);
      if (!present) throw new Error(`image ${image} is missing: run images/build-offline.sh first`);
    }
  });

  afterEach(async () => {
    for (const project of made.splice(0)) {
      const run = await project.run();
      if (run) await runtime.removeAll(runSelector(run));
    }
    await removeScriptedModels(docker, labels);
    labels = runSelector(`test-${randomBytes(6).toString('hex')}`);
  });

  return {
    model: (api, script) => startScriptedModel(docker, { api, script, labels }),
    async project(options) {
      const project = await newProject(options);
      made.push(project);
      return project;
    },
  };
}
