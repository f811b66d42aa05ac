// A scripted stand-in for the Anthropic Messages API: each request to
// POST /v1/messages gets the next step of the script, counted per client session
// (the `x-claude-code-session-id` header), so a real agent CLI can be driven
// through a known sequence of tool calls without a model or the internet.
//
// In a test:      const server = await startAnthropicServer(script);
// In a container: node anthropic.ts SCRIPT.json PORT   (GET /_requests lists what it was asked)
// Imports only node:* and its own folder, so the folder can be mounted and run as it is.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, isStatusStep, message, parseScript, sse, streamEvents, tokensOf, type ScriptStep } from './script.ts';

export interface RecordedRequest {
  method: string;
  /** Path with the query, e.g. /v1/messages?beta=true */
  path: string;
  /** The x-claude-code-session-id header, or 'anonymous'. */
  session: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
  /** Index of the script step that answered; null when the request was past the script's end or not a turn (a repeated trailing error counts as past the end). */
  step: number | null;
}

export interface AnthropicServer {
  /** Base URL to give the client as ANTHROPIC_BASE_URL. */
  url: string;
  port: number;
  /** Every request in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface AnthropicServerOptions {
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
}

const SESSION_HEADER = 'x-claude-code-session-id';
/** Past the script's end the model says this and ends its turn, so a client never loops on a missing step. */
const END_OF_SCRIPT: ScriptStep = { text: 'End of script.' };

/**
 * The step that answers request `index`. A script ending in an error status
 * keeps answering with it (an outage lasts), so a client's retries meet the
 * same error; any other script ends with END_OF_SCRIPT.
 */
function stepAt(script: readonly ScriptStep[], index: number): ScriptStep {
  const last = script.at(-1);
  return script[index] ?? (last !== undefined && isStatusStep(last) ? last : END_OF_SCRIPT);
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export function startAnthropicServer(script: readonly ScriptStep[], options: AnthropicServerOptions = {}): Promise<AnthropicServer> {
  const requests: RecordedRequest[] = [];
  const nextStep = new Map<string, number>();
  let answers = 0;

  function answerTurn(response: ServerResponse, record: RecordedRequest): void {
    const index = nextStep.get(record.session) ?? 0;
    nextStep.set(record.session, index + 1);
    const step = stepAt(script, index);
    record.step = index < script.length ? index : null;
    if (isStatusStep(step)) {
      // retry-after 0: a client that retries does so at once, which keeps tests fast.
      sendJson(response, step.status, errorBody(step), { 'retry-after': '0', 'request-id': `req_scripted_${answers}` });
      return;
    }
    answers += 1;
    const model = typeof field(record.body, 'model') === 'string' ? (field(record.body, 'model') as string) : 'claude-scripted';
    const ids = { message: `msg_scripted_${answers}`, toolUse: `toolu_scripted_${answers}`, model };
    const inputTokens = tokensOf(JSON.stringify(record.body ?? ''));
    if (field(record.body, 'stream') === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_scripted_${answers}` });
      response.end(sse(streamEvents(step, ids, inputTokens)));
    } else {
      sendJson(response, 200, message(step, ids, inputTokens), { 'request-id': `req_scripted_${answers}` });
    }
  }

  const server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      const pathname = path.split('?')[0];
      if (request.method === 'GET' && pathname === '/_requests') {
        sendJson(response, 200, requests);
        return;
      }
      const header = request.headers[SESSION_HEADER];
      const record: RecordedRequest = {
        method: request.method ?? 'GET',
        path,
        session: typeof header === 'string' ? header : 'anonymous',
        headers: request.headers,
        body: await readBody(request),
        step: null,
      };
      requests.push(record);
      if (request.method === 'POST' && pathname === '/v1/messages') {
        answerTurn(response, record);
      } else if (request.method === 'POST' && pathname === '/v1/messages/count_tokens') {
        sendJson(response, 200, { input_tokens: tokensOf(JSON.stringify(record.body ?? '')) });
      } else {
        sendJson(response, 404, errorBody({ status: 404, message: `the scripted model server has no ${request.method} ${pathname}` }));
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, errorBody({ status: 500, message: String(error) }));
      else response.destroy();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port, address } = server.address() as AddressInfo;
      resolve({
        url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
        port,
        requests,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

if (import.meta.main) {
  const [file, port] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node anthropic.ts SCRIPT.json [PORT]\n');
    process.exit(2);
  }
  const script = parseScript(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  const server = await startAnthropicServer(script, { port: Number(port ?? 8080), host: '0.0.0.0' });
  process.stdout.write(`scripted model listening on ${server.port} with ${script.length} steps\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
