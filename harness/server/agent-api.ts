import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVERYONE, isFor, matches, MEMORY_KINDS, type MemoryEntry, type MemoryKind } from '../memory/memory-entry.ts';
import type { MemoryStore } from '../memory/memory-store.ts';
import type { Peer } from '../memory/peer.ts';
import type { FileLeases } from '../queue/file-leases.ts';
import type { JournalEventBody } from '../reports/events.ts';
import type { AgentTokens, TokenHolder } from './agent-tokens.ts';

export interface AgentApiDeps {
  /** The task whose sessions this API serves: a token of any other task is refused. */
  task: TokenHolder;
  tokens: AgentTokens;
  memory: MemoryStore;
  /** Every other active task. */
  peers: () => Promise<Peer[]>;
  /** The files this task's branch touches now: what its decisions and lessons are about. */
  files: () => Promise<string[]>;
  leases: FileLeases;
  /** Each entry written, each lease taken or given back, and each refused request (401, 403) is journaled. */
  journal?: (event: JournalEventBody) => Promise<void>;
  /** The session served, for the journal's record of a refusal. */
  session?: { attempt: number; session: number };
}

/** Refusals journaled per session: enough to show an attempt, not a flood of lines from a loop. */
const REFUSALS_JOURNALED = 10;

/** What an agent writes under its own name; messages go through /messages, which needs a recipient. */
const WRITABLE: readonly MemoryKind[] = MEMORY_KINDS.filter((kind) => kind !== 'message');
const MAX_TEXT = 8_000;
const text = z.string().trim().min(1, 'is empty: say what you mean to record').max(MAX_TEXT, `is longer than ${MAX_TEXT} characters: keep it to the point and put details in the repository`);

const memoryBody = z.object({
  kind: z.enum(WRITABLE as [MemoryKind, ...MemoryKind[]]),
  text,
  why: text.optional(),
});
const messageBody = z.object({ to: z.string().trim().min(1, 'is empty: name a task id, a role or all').max(200, 'is longer than a task id or role name'), text });
const MAX_LEASE_S = 24 * 3600;
const path = z.string().trim().min(1, 'has an empty path').max(1000);
const leaseBody = z.object({
  files: z.array(path).min(1, 'is empty: name the files to lease').max(100, 'names more than 100 files: lease a folder glob instead'),
  ttlSeconds: z.number().int().min(1).max(MAX_LEASE_S, `is longer than a day (${MAX_LEASE_S} s): lease again when it lapses`).default(1800),
});
const releaseBody = z.object({ files: z.array(path).default([]) });
const INBOX_SHOWN = 50;

declare module 'fastify' {
  interface FastifyRequest {
    holder?: TokenHolder;
  }
}

/**
 * The agent API, one instance per session (served on that session's socket):
 * record decisions, lessons, handoffs, notes and a done summary as the
 * session's own task; message a task, a role or everyone; read the shared
 * memory, the peers and the task's own inbox. Every request needs the
 * session's token (401 without a valid one); a path naming another task is
 * refused (403): a token writes only as its task and reads only its inbox.
 */
export function buildAgentApi(deps: AgentApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  let refusals = 0;
  /** A refusal of access (not of a malformed body): the session tried what its token does not allow; the report shows it. */
  const deny = async (reply: FastifyReply, status: 401 | 403, error: string, request: FastifyRequest): Promise<FastifyReply> => {
    refusals += 1;
    if (deps.journal && deps.session && refusals <= REFUSALS_JOURNALED) {
      await deps.journal({ type: 'contained', task: deps.task.task, attempt: deps.session.attempt, session: deps.session.session, kind: 'api', detail: `agent API refused ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)} (${status}): ${error}` });
    }
    return refuse(reply, status, error);
  };

  app.addHook('onRequest', async (request, reply) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const holder = token ? await deps.tokens.holder(token) : undefined;
    if (!holder) return deny(reply, 401, 'no valid token: send the session\'s $GANTRY_TOKEN as "Authorization: Bearer <token>" (gantry-agent does)', request);
    if (holder.task !== deps.task.task) return deny(reply, 403, `this token belongs to task ${holder.task}, not to the session this API serves`, request);
    request.holder = holder;
  });

  /** The path's task must be the token's: nothing is written as, or read from the inbox of, another task. */
  const ownTask = async (request: FastifyRequest<{ Params: { task: string } }>, reply: FastifyReply): Promise<TokenHolder | undefined> => {
    const holder = request.holder;
    if (holder && request.params.task === holder.task) return holder;
    await deny(reply, 403, `a token of task ${holder?.task ?? '?'} cannot act for task ${request.params.task}: write and read inbox as ${holder?.task ?? 'yourself'} only`, request);
    return undefined;
  };

  const write = async (holder: TokenHolder, entry: { kind: MemoryKind; text: string; why?: string; to?: string }) => {
    const written = await deps.memory.append({ ...entry, task: holder.task, role: holder.role, files: await deps.files() });
    await deps.journal?.({ type: 'memory.recorded', task: written.task, kind: written.kind, id: written.id, text: written.text, ...(written.to ? { to: written.to } : {}) });
    return written;
  };

  app.get('/v1/whoami', async (request) => request.holder);

  app.post<{ Params: { task: string } }>('/v1/tasks/:task/memory', async (request, reply) => {
    const holder = await ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(memoryBody, request.body, reply);
    if (!body) return reply;
    return reply.code(201).send(await write(holder, { kind: body.kind, text: body.text, ...(body.why ? { why: body.why } : {}) }));
  });

  app.post<{ Params: { task: string } }>('/v1/tasks/:task/messages', async (request, reply) => {
    const holder = await ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(messageBody, request.body, reply);
    if (!body) return reply;
    return reply.code(201).send(await write(holder, { kind: 'message', text: body.text, to: body.to }));
  });

  app.get<{ Params: { task: string } }>('/v1/tasks/:task/inbox', async (request, reply) => {
    const holder = await ownTask(request, reply);
    if (!holder) return reply;
    const messages = (await deps.memory.list({ kind: 'message' })).filter((entry) => isFor(entry, { id: holder.task, role: holder.role }));
    return messages.slice(-INBOX_SHOWN);
  });

  app.post<{ Params: { task: string } }>('/v1/tasks/:task/leases', async (request, reply) => {
    const holder = await ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(leaseBody, request.body, reply);
    if (!body) return reply;
    const lease = await deps.leases.lease(holder, body.files, body.ttlSeconds * 1000);
    await deps.journal?.({ type: 'lease.taken', task: holder.task, files: lease.files, until: new Date(lease.until).toISOString() });
    return reply.code(201).send(lease);
  });

  app.delete<{ Params: { task: string } }>('/v1/tasks/:task/leases', async (request, reply) => {
    const holder = await ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(releaseBody, request.body, reply);
    if (!body) return reply;
    const { released, left } = await deps.leases.release(holder.task, body.files);
    if (released.length > 0) await deps.journal?.({ type: 'lease.released', task: holder.task, files: released });
    return { released, ...(left ? { left } : {}) };
  });

  app.get('/v1/peers', async () => deps.peers());

  app.get<{ Querystring: { kind?: string; q?: string; task?: string } }>('/v1/memory', async (request, reply) => {
    const { kind, q, task } = request.query;
    if (kind !== undefined && !(MEMORY_KINDS as readonly string[]).includes(kind)) {
      return refuse(reply, 400, `kind ${JSON.stringify(kind)} is not one of ${MEMORY_KINDS.join(', ')}`);
    }
    const entries = await deps.memory.list({ ...(kind ? { kind: kind as MemoryKind } : {}), ...(task ? { task } : {}) });
    // Messages are their recipients' to read (the inbox), not the shared feed's.
    return entries.filter((entry) => entry.kind !== 'message' || entry.to === EVERYONE).filter((entry) => !q || matches(entry, q));
  });

  return app;
}

function refuse(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error });
}

/** The body as the schema wants it, or a 400 naming the field and what to do. */
function parse<T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  void refuse(reply, 400, `${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}`);
  return undefined;
}
