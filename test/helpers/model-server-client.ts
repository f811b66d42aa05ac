import { afterEach } from 'vitest';
import type { ScriptStep } from './model-server/script.ts';
import type { ScriptedServer } from './model-server/scripted-server.ts';

/** A server-sent event as a client reads it. */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits a server-sent events body into its events, each with its JSON data parsed. */
export function parseSse(text: string): SseEvent[] {
  return text.trim().split('\n\n').map((frame) => {
    const [eventLine, dataLine] = frame.split('\n');
    return { event: eventLine?.replace('event: ', '') ?? '', data: JSON.parse(dataLine?.replace('data: ', '') ?? '{}') as Record<string, unknown> };
  });
}

/** How a client of one model API asks for a turn. */
export interface TurnRequest {
  /** Starts the API's scripted server on a free loopback port. */
  start(script: readonly ScriptStep[]): Promise<ScriptedServer>;
  /** The path (and query) a turn is POSTed to. */
  path: string;
  /** The headers the client sends with a turn of `session`, besides the content type. */
  headers(session: string): Record<string, string>;
  /** The body `ask` sends when the test gives none. */
  body: Record<string, unknown>;
}

export interface ScriptedServerClient {
  /** Starts this test's server with `script`. */
  start(script: readonly ScriptStep[]): Promise<void>;
  /** This test's server, once started. */
  server(): ScriptedServer;
  /** POSTs one turn of `session` to the server, as the API's client would. */
  ask(session: string, body?: Record<string, unknown>): Promise<Response>;
}

/** Per test: a scripted server the test starts with its own script, closed after the test. */
export function useScriptedServer(request: TurnRequest): ScriptedServerClient {
  let server: ScriptedServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const started = (): ScriptedServer => {
    if (!server) throw new Error('the scripted server is not started: call start(script) first');
    return server;
  };

  return {
    async start(script) {
      server = await request.start(script);
    },
    server: started,
    ask: (session, body = request.body) =>
      fetch(`${started().url}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers(session) },
        body: JSON.stringify(body),
      }),
  };
}
