// Runs a scripted model API in the foreground, for a container:
//   node serve.ts anthropic|openai-responses SCRIPT.json [PORT]
// GET /_requests lists what it was asked; POST /_outage makes it fail for a
// while (see scripted-server.ts). Imports only node:* and its own folder.
import { readFileSync } from 'node:fs';
import { anthropicMessages } from './anthropic.ts';
import { openaiResponses } from './openai-responses.ts';
import { parseScript } from './script.ts';
import { startScriptedServer, type ModelApi } from './scripted-server.ts';

/** The APIs a scripted model can speak, by the name scripted-model.ts passes. */
export const MODEL_APIS = {
  anthropic: anthropicMessages,
  'openai-responses': openaiResponses,
} as const satisfies Record<string, ModelApi>;

export type ModelApiName = keyof typeof MODEL_APIS;

function isApiName(name: string | undefined): name is ModelApiName {
  return name !== undefined && Object.hasOwn(MODEL_APIS, name);
}

if (import.meta.main) {
  const [name, file, port] = process.argv.slice(2);
  if (!isApiName(name) || file === undefined) {
    process.stderr.write(`usage: node serve.ts ${Object.keys(MODEL_APIS).join('|')} SCRIPT.json [PORT]\n`);
    process.exit(2);
  }
  const script = parseScript(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  const server = await startScriptedServer(MODEL_APIS[name], script, { port: Number(port ?? 8080), host: '0.0.0.0' });
  process.stdout.write(`scripted ${name} model listening on ${server.port} with ${script.length} steps\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
