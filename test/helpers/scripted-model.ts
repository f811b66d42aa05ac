import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import type { ScriptStep } from './model-server/script.ts';
import type { Outage, RecordedRequest } from './model-server/scripted-server.ts';
import type { ModelApiName } from './model-server/serve.ts';

const SERVER_DIR = resolve(import.meta.dirname, 'model-server');
/** The image the server runs in: it has node, and the server needs nothing more. */
export const SCRIPTED_MODEL_IMAGE = 'gantry/agent-base';
const ALIAS = 'model';
const PORT = 8080;

/** Where each API's clients expect the base URL to point (OpenAI's include the version). */
const BASE_PATH: Record<ModelApiName, string> = { anthropic: '', 'openai-responses': '/v1' };

/** A scripted model API in a container, reachable from containers on `network` at `url`. */
export interface ScriptedModel {
  network: string;
  /** The client's base URL on `network`: ANTHROPIC_BASE_URL, or OPENAI_BASE_URL (with /v1). */
  url: string;
  /** What the server was asked so far. */
  requests(): Promise<RecordedRequest[]>;
  /** Declares an outage: from the next turn on, every turn is answered with its status for its seconds. */
  outage(outage: Outage): Promise<void>;
}

export interface ScriptedModelOptions {
  /** @defaultValue 'anthropic' */
  api?: ModelApiName;
  script: readonly ScriptStep[];
  /** Go on the network and the container; remove both by them with removeScriptedModels. */
  labels: Record<string, string>;
}

function labelFilter(labels: Record<string, string>): { label: string[] } {
  return { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
}

async function waitForListening(base: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const response = await fetch(`${base}/_requests`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the scripted model server did not answer at ${base} within ${deadlineMs} ms`, { cause: error });
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * A Docker network of its own with the scripted model server on it (the
 * server's folder and the script mounted read-only). The host reaches the
 * server at its bridge address to read the recorded requests.
 */
export async function startScriptedModel(docker: Dockerode, options: ScriptedModelOptions): Promise<ScriptedModel> {
  const scriptDir = await mkdtemp(join(tmpdir(), 'gantry-model-script-'));
  // The server runs as uid 1000; mkdtemp makes the folder 0700 for root.
  await chmod(scriptDir, 0o755);
  await writeFile(join(scriptDir, 'script.json'), JSON.stringify(options.script));
  const api = options.api ?? 'anthropic';
  const network = `gantry-model-${Math.random().toString(36).slice(2, 10)}`;
  let base: string;
  try {
    await docker.createNetwork({ Name: network, Labels: options.labels });
    const container = await docker.createContainer({
      Image: SCRIPTED_MODEL_IMAGE,
      Cmd: ['node', '/server/serve.ts', api, '/script/script.json', String(PORT)],
      User: '1000:1000',
      Labels: options.labels,
      HostConfig: {
        Binds: [`${SERVER_DIR}:/server:ro`, `${scriptDir}:/script:ro`],
        NetworkMode: network,
        CapDrop: ['ALL'],
        ReadonlyRootfs: true,
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [ALIAS] } } },
    });
    await container.start();
    const info = await container.inspect();
    const address = info.NetworkSettings.Networks[network]?.IPAddress;
    if (!address) throw new Error(`the scripted model container has no address on ${network}`);
    base = `http://${address}:${PORT}`;
    await waitForListening(base, 15_000);
  } finally {
    // The server reads the script when it starts; the copy on disk is not needed after that.
    await rm(scriptDir, { recursive: true, force: true });
  }
  return {
    network,
    url: `http://${ALIAS}:${PORT}${BASE_PATH[api]}`,
    requests: async () => (await (await fetch(`${base}/_requests`)).json()) as RecordedRequest[],
    async outage(outage) {
      const response = await fetch(`${base}/_outage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(outage) });
      if (!response.ok) throw new Error(`the scripted model server refused the outage: ${await response.text()}`);
    },
  };
}

/** Removes the containers, then the networks, that carry `labels`. */
export async function removeScriptedModels(docker: Dockerode, labels: Record<string, string>): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: labelFilter(labels) });
  await Promise.all(containers.map((info) => docker.getContainer(info.Id).remove({ force: true })));
  const networks = await docker.listNetworks({ filters: labelFilter(labels) });
  await Promise.all(networks.map((info) => docker.getNetwork(info.Id).remove()));
}
