import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.ts';
import { taskBranch } from '../git/index.ts';
import type { Logger } from '../log.ts';
import { Fence } from '../queue/index.ts';
import { sameToken } from '../server/index.ts';
import { runHttpBackend } from './git-http-backend.ts';
import { PushRequestError, readPushCommands, type PushCommand } from './push-commands.ts';
import { upstreamTokens, type UpstreamGrant } from './upstream-tokens.ts';

export interface UpstreamServerOptions {
  /** Absolute path of the bare repository served. */
  repo: string;
  host: string;
  port: number;
  /** The server's own token: fetch and push anything (the gate's, for main). Never stored in Redis. */
  token: string;
  redis: Redis;
  prefix: string;
  logger: Logger;
}

export interface UpstreamServer {
  /** The repository's URL, e.g. `http://127.0.0.1:7341/project.git`. */
  url: string;
  /** Requests served and bytes on the wire (headers included) since the start: what the hosts cost the upstream. */
  traffic(): UpstreamTraffic;
  close(): Promise<void>;
}

export interface UpstreamTraffic {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

type Caller = { kind: 'server' } | UpstreamGrant;

/** The smart-HTTP requests git makes; nothing else (no dumb protocol) is served. */
const ROUTES: Record<string, { method: string; push: boolean }> = {
  '/info/refs': { method: 'GET', push: false },
  '/git-upload-pack': { method: 'POST', push: false },
  '/git-receive-pack': { method: 'POST', push: true },
};

/**
 * The upstream over git's smart HTTP, for teams without a git server: git's
 * own `http-backend` does the work; this decides who may ask. Every request
 * needs a token (Bearer, or Basic with the token as password): the server's
 * own may do anything; a task token (minted by a worker in Redis for one
 * attempt) may fetch, and push only `refs/heads/gantry/<task>` while its
 * fencing token is the task's newest; a read token may fetch. The ref
 * updates of a push are read from the request before git sees it, and a
 * push naming any other ref is refused whole.
 */
export async function startUpstreamServer(options: UpstreamServerOptions): Promise<UpstreamServer> {
  const { logger } = options;
  const tokens = upstreamTokens(options.redis, options.prefix);
  const fence = new Fence(options.redis, options.prefix);
  const mount = `/${basename(options.repo)}`;

  const caller = async (req: IncomingMessage): Promise<Caller | undefined> => {
    const token = bearerOrBasic(req.headers.authorization);
    if (token === undefined) return undefined;
    if (sameToken(token, options.token)) return { kind: 'server' };
    return tokens.holder(token);
  };

  const refusal = async (who: Caller, commands: readonly PushCommand[]): Promise<string | undefined> => {
    if (who.kind === 'server') return undefined;
    if (who.kind === 'read') return 'this token may fetch, not push';
    const own = `refs/heads/${taskBranch(who.task)}`;
    const other = commands.find((command) => command.ref !== own);
    if (other) return `the token of task ${who.task} may push ${own} alone, not ${other.ref}`;
    if (!(await fence.isCurrent(who.task, who.fence))) return `attempt with fencing token ${who.fence} no longer holds task ${who.task}: a newer attempt does`;
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse<IncomingMessage>): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const path = url.pathname.startsWith(`${mount}/`) ? url.pathname.slice(mount.length) : undefined;
    const route = path === undefined ? undefined : ROUTES[path];
    if (path === undefined || !route || req.method !== route.method) return answer(res, 404, `not a git smart-HTTP request for ${mount}`);
    const who = await caller(req);
    if (!who) {
      res.setHeader('www-authenticate', 'Basic realm="gantry upstream"');
      return answer(res, 401, 'a token is needed: the server\'s own, or one a worker minted for its task');
    }
    const pushing = route.push || url.searchParams.get('service') === 'git-receive-pack';
    if (pushing && who.kind === 'read') return answer(res, 403, 'this token may fetch, not push');
    let body: AsyncIterator<Buffer> = bodyOf(req)[Symbol.asyncIterator]();
    if (route.push) {
      try {
        const { commands, read } = await readPushCommands(body);
        const refused = await refusal(who, commands);
        if (refused) {
          logger.warn({ caller: who, refs: commands.map((command) => command.ref) }, `push refused: ${refused}`);
          return answer(res, 403, `push refused: ${refused}`);
        }
        body = prepend(read, body);
      } catch (error) {
        if (error instanceof PushRequestError) return answer(res, 400, error.message);
        throw error;
      }
    }
    await runHttpBackend({
      repo: options.repo, path, method: route.method, query: url.search.slice(1),
      contentType: req.headers['content-type'], protocol: header(req, 'git-protocol'),
      user: who.kind === 'task' ? `task-${who.task}` : who.kind, body: { [Symbol.asyncIterator]: () => body },
    }, res);
  };

  const closed: UpstreamTraffic = { requests: 0, bytesIn: 0, bytesOut: 0 };
  const open = new Set<Socket>();
  const server = createServer((req, res) => {
    closed.requests += 1;
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: messageOf(error), url: req.url }, 'upstream request failed');
      if (!res.headersSent) answer(res, 500, 'the upstream server failed; see its log');
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      closed.bytesIn += socket.bytesRead;
      closed.bytesOut += socket.bytesWritten;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}${mount}`;
  logger.info({ url, repo: options.repo }, 'upstream serving');
  return {
    url,
    traffic: () => [...open].reduce((sum, socket) => ({ ...sum, bytesIn: sum.bytesIn + socket.bytesRead, bytesOut: sum.bytesOut + socket.bytesWritten }), { ...closed }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function answer(res: ServerResponse<IncomingMessage>, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Bearer <token>`, or Basic with the token as password (what git sends for a URL with credentials). */
function bearerOrBasic(authorization: string | undefined): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
  if (bearer) return bearer;
  const basic = /^Basic (\S+)$/i.exec(authorization ?? '')?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return password === '' ? undefined : password;
}

/** The body as git wrote it: gzip (git compresses large fetch requests) undone here, so the push commands can be read. */
function bodyOf(req: IncomingMessage): AsyncIterable<Buffer> {
  return header(req, 'content-encoding') === 'gzip' ? req.pipe(createGunzip()) : req;
}

function prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncIterator<Buffer> {
  let sent = false;
  return {
    next: async () => {
      if (sent) return rest.next();
      sent = true;
      return { done: false, value: first };
    },
  };
}
