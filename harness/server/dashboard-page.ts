import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CHART_STYLE } from '../reports/report-charts.ts';

/** The page's files, read once: they ship with gantry and never change while it runs. */
const FILES: ReadonlyArray<{ path: string; file: string; type: string }> = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
];

/**
 * Scripts and styles from this server only, nothing inline, nothing remote:
 * journal text (task texts, log lines) reaches the page, and a page that
 * runs only its own script cannot be turned by it.
 */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The dashboard: one page and its script, which reads /api/v1 and follows /api/v1/events. */
export function mountDashboardPage(app: FastifyInstance): void {
  for (const { path, file, type } of FILES) {
    const body = readFileSync(new URL(`./dashboard/${file}`, import.meta.url));
    app.get(path, async (_request, reply) => page(reply, type).send(body));
  }
  app.get('/charts.css', async (_request, reply) => page(reply, 'text/css; charset=utf-8').send(CHART_STYLE));
}

function page(reply: FastifyReply, type: string): FastifyReply {
  return reply.type(type).header('content-security-policy', POLICY).header('x-content-type-options', 'nosniff');
}
