import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import { configEnv, gitEnv } from '../git/index.ts';

export interface BackendRequest {
  /** The bare repository served. */
  repo: string;
  /** The path below the repository, e.g. `/info/refs` or `/git-receive-pack`. */
  path: string;
  method: string;
  query: string;
  contentType: string | undefined;
  /** `Git-Protocol`, for protocol v2 fetches. */
  protocol: string | undefined;
  /** Who asked, for git's logs and for http-backend, which serves pushes only to a named user. */
  user: string;
  /** The request body, already decompressed. */
  body: AsyncIterable<Buffer>;
}

/**
 * Settings of the served repository that are gantry's, whatever its config
 * says: pushes accepted (from the users this server let through), every
 * pushed object checked, no hook run.
 */
const SERVER_CONFIG: Array<[string, string]> = [
  ['http.receivepack', 'true'],
  ['receive.fsckObjects', 'true'],
  ['core.hooksPath', '/dev/null'],
];

/**
 * Runs `git http-backend` (git's own smart-HTTP server, a CGI program) for
 * one request and streams its answer to `res`.
 */
export function runHttpBackend(request: BackendRequest, res: ServerResponse<IncomingMessage>): Promise<void> {
  const env: Record<string, string> = {
    ...gitEnv(),
    GIT_PROJECT_ROOT: dirname(request.repo),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${basename(request.repo)}${request.path}`,
    REQUEST_METHOD: request.method,
    QUERY_STRING: request.query,
    REMOTE_USER: request.user,
    REMOTE_ADDR: '127.0.0.1',
    ...configEnv(SERVER_CONFIG),
    ...(request.contentType ? { CONTENT_TYPE: request.contentType } : {}),
    ...(request.protocol ? { GIT_PROTOCOL: request.protocol } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    child.on('error', reject);
    // git may answer (and exit) before reading the whole body: a broken pipe then is no error.
    child.stdin.on('error', () => {});
    void pipeBody(request.body, child.stdin);
    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) return;
      writeCgiHeaders(head.subarray(0, end.at).toString('latin1'), res);
      headersSent = true;
      res.write(head.subarray(end.at + end.length));
    });
    child.on('close', (code) => {
      if (!headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend failed (exit ${code}): ${stderr.trim()}\n`);
        resolve();
        return;
      }
      res.end();
      resolve();
    });
  });
}

async function pipeBody(body: AsyncIterable<Buffer>, stdin: NodeJS.WritableStream): Promise<void> {
  try {
    for await (const chunk of body) {
      if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once('drain', resolve));
    }
  } catch {
    // The client went away: git sees the body end and fails its side.
  }
  stdin.end();
}

function headerEnd(buffer: Buffer): { at: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return lf >= 0 ? { at: lf, length: 2 } : undefined;
}

function writeCgiHeaders(text: string, res: ServerResponse<IncomingMessage>): void {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  res.writeHead(status, headers);
}
