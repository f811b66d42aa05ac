// The HTTP side of a scripted model API, shared by every wire format: each
// request to the API's turn path gets the next step of the script, counted per
// client session (a header the agent CLI sends), so a real agent CLI can be
// driven through a known sequence of tool calls without a model or the
// internet. GET /_requests lists what the server was asked; POST /_outage
// {"status":429,"seconds":10} makes the API fail for a while (see Outage).
// Imports only node:* and its own folder, so the folder can be mounted and run as it is.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStatusStep, sse, stepAt, tokensOf, type ModelStep, type ScriptStep, type StatusStep, type StreamEvent } from './script.ts';

export interface RecordedRequest {
  method: string;
  /** Path with the query, e.g. /v1/messages?beta=true */
  path: string;
  /** The API's session header, or 'anonymous'. */
  session: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
  /** Index of the script step that answered; null when the request was past the script's end, not a turn, or answered by an outage (a repeated trailing error counts as past the end). */
  step: number | null;
  /** The HTTP status the server answered with (0 while it has not answered yet). */
  status: number;
}

/**
 * The API failing for a while, whatever the script says: every turn is
 * answered with `status` (429, 529, ...) for `seconds`, counted from the
 * first turn after the outage was declared, so a test can declare it before
 * its clients start. Turns answered by it do not move a session's script on.
 */
export interface Outage {
  status: number;
  seconds: number;
}

/** One answered turn, as a wire format needs it to write the answer. */
export interface Turn {
  /** 1 for the server's first answered turn: makes ids unique. */
  number: number;
  /** The model the request named, or the API's default. */
  model: string;
  /** Tokens of the whole request. */
  inputTokens: number;
  /** Of those, the tokens the session already sent in its previous request (the prefix a real API would have cached). */
  cachedInputTokens: number;
}

/** What one API looks like on the wire; the server around it is the same for all. */
export interface ModelApi {
  /** Header that names the client's session. */
  sessionHeader: string;
  /** The POST path (without the query) that takes a turn. */
  turnPath: string;
  /** Header that carries a request id on every answer. */
  requestIdHeader: string;
  defaultModel: string;
  /** The error body the real API sends with a status. */
  errorBody(step: StatusStep): unknown;
  /** The events of a streamed answer (`stream: true`), in the order the API sends them. */
  streamEvents(step: ModelStep, turn: Turn): StreamEvent[];
  /** The whole answer at once, for a request without `stream: true`. */
  response(step: ModelStep, turn: Turn): unknown;
  /** Other POST paths the API answers (not turns); undefined means 404. */
  otherRoute?(pathname: string, body: unknown): unknown;
}

export interface ScriptedServer {
  /** Base URL of the server (no path). */
  url: string;
  port: number;
  /** Every request in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** @defaultValue 127.0.0.1 */
  host?: string;
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

/** The outage a POST /_outage body declares, or undefined when it is not one. */
function parseOutage(body: unknown): Outage | undefined {
  const status = field(body, 'status');
  const seconds = field(body, 'seconds');
  const valid = typeof status === 'number' && Number.isInteger(status) && status >= 400 && typeof seconds === 'number' && seconds > 0;
  return valid ? { status, seconds } : undefined;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export function startScriptedServer(api: ModelApi, script: readonly ScriptStep[], options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const nextStep = new Map<string, number>();
  const lastInputTokens = new Map<string, number>();
  let answers = 0;
  let outage: (Outage & { endsAt?: number }) | undefined;

  /** The status the current outage answers with, if one holds now; the first turn after it was declared starts its clock. */
  function outageStatus(): number | undefined {
    if (outage === undefined) return undefined;
    const now = Date.now();
    outage.endsAt ??= now + outage.seconds * 1000;
    if (now < outage.endsAt) return outage.status;
    outage = undefined;
    return undefined;
  }

  function answerStatus(response: ServerResponse, record: RecordedRequest, step: StatusStep, headers: Record<string, string>): void {
    record.status = step.status;
    // retry-after 0: a client that retries does so at once, which keeps tests fast.
    sendJson(response, step.status, api.errorBody(step), { 'retry-after': '0', ...headers });
  }

  function answerTurn(response: ServerResponse, record: RecordedRequest): void {
    answers += 1;
    const requestId = { [api.requestIdHeader]: `req_scripted_${answers}` };
    const failing = outageStatus();
    if (failing !== undefined) {
      answerStatus(response, record, { status: failing }, requestId);
      return;
    }
    const index = nextStep.get(record.session) ?? 0;
    nextStep.set(record.session, index + 1);
    const step = stepAt(script, index);
    record.step = index < script.length ? index : null;
    if (isStatusStep(step)) {
      answerStatus(response, record, step, requestId);
      return;
    }
    const model = field(record.body, 'model');
    const inputTokens = tokensOf(JSON.stringify(record.body ?? ''));
    const turn: Turn = {
      number: answers,
      model: typeof model === 'string' ? model : api.defaultModel,
      inputTokens,
      cachedInputTokens: Math.min(lastInputTokens.get(record.session) ?? 0, inputTokens),
    };
    lastInputTokens.set(record.session, inputTokens);
    record.status = 200;
    if (field(record.body, 'stream') === true) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...requestId });
      response.end(sse(api.streamEvents(step, turn)));
    } else {
      sendJson(response, 200, api.response(step, turn), requestId);
    }
  }

  const server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      const pathname = path.split('?')[0] ?? '/';
      if (request.method === 'GET' && pathname === '/_requests') {
        sendJson(response, 200, requests);
        return;
      }
      if (request.method === 'POST' && pathname === '/_outage') {
        const body = await readBody(request);
        outage = parseOutage(body);
        if (outage) sendJson(response, 200, outage);
        else sendJson(response, 400, { error: `POST /_outage: expected {"status":<an HTTP error status>,"seconds":<more than 0>}, got ${JSON.stringify(body)}` });
        return;
      }
      const header = request.headers[api.sessionHeader];
      const record: RecordedRequest = {
        method: request.method ?? 'GET',
        path,
        session: typeof header === 'string' ? header : 'anonymous',
        headers: request.headers,
        body: await readBody(request),
        step: null,
        status: 0,
      };
      requests.push(record);
      const other = request.method === 'POST' ? api.otherRoute?.(pathname, record.body) : undefined;
      if (request.method === 'POST' && pathname === api.turnPath) {
        answerTurn(response, record);
      } else if (other !== undefined) {
        record.status = 200;
        sendJson(response, 200, other);
      } else {
        record.status = 404;
        sendJson(response, 404, api.errorBody({ status: 404, message: `the scripted model server has no ${request.method} ${pathname}` }));
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, api.errorBody({ status: 500, message: String(error) }));
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
