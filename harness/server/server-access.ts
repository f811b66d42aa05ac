import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const TOKEN_COOKIE = 'gantry_token';

/** 127.0.0.0/8, ::1 and localhost: only this machine's processes reach the server. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/**
 * The token a server bound to `host` asks for: the configured one, or, bound
 * anywhere but loopback, a new random one (the dashboard file and
 * `gantry dashboard` give it to the person who may see the run).
 */
export function serverToken(host: string, configured: string | undefined): string | undefined {
  if (configured !== undefined) return configured;
  return isLoopback(host) ? undefined : randomBytes(24).toString('base64url');
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function sameToken(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function cookieToken(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' ? token : undefined;
}

/** The request's URL without its `token` parameter, for the redirect that drops it from the address bar. */
function withoutToken(request: FastifyRequest): string {
  const url = new URL(request.url, 'http://gantry');
  url.searchParams.delete('token');
  return `${url.pathname}${url.search}`;
}

/**
 * Every request needs the token when there is one: as "Authorization:
 * Bearer <token>" (scripts, Prometheus), or from the cookie a browser gets
 * by opening any page once with `?token=<token>` (it is then redirected to
 * the same page without it, so the token stays out of history and logs).
 * Otherwise 401, saying where the token is.
 */
export function requireToken(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (sameToken(bearer, token) || sameToken(cookieToken(request), token)) return;
    if (sameToken(queryToken(request), token)) {
      const secure = request.protocol === 'https' ? '; Secure' : '';
      void reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure}`);
      return reply.redirect(withoutToken(request), 303);
    }
    return reply.code(401).send({
      error: 'no valid token: this server is bound to a non-loopback address; send "Authorization: Bearer <token>", or open the dashboard once with ?token=<token>. `gantry dashboard` prints the address with the token.',
    });
  });
}
