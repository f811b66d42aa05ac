import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EVERYONE, isFor, matches, MEMORY_KINDS, type MemoryEntry, type MemoryKind } from '../memory/memory-entry.ts';
import type { MemoryStore } from '../memory/memory-store.ts';
import type { Peer } from '../memory/peer.ts';
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
  /** Called after each entry is written (the journal keeps a copy). */
  recorded?: (entry: MemoryEntry) => Promise<void>;
}

/** What an agent writes under its own name; messages go through /messages, which needs a recipient. */
const WRITABLE: readonly MemoryKind[] = MEMORY_KINDS.filter((kind) => kind !== 'message');
const MAX_TEXT = 8_000;
const text = z.string().trim().min(1, 'is empty: say what you mean to record').max(MAX_TEXT, `is longer than ${MAX_TEXT} characters: keep it to the point and put details in the repository`);

const memoryBody = z.object({
  kind: z.enum(WRITABLE as [MemoryKind, ...MemoryKind[]]),
  text,
  why: text.optional(),
});
const messageBody = z.object({ to: z.string().trim().min(1, 'is empty: name a task id, a role or all'), text });
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

  app.addHook('onRequest', async (request, reply) => {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const holder = token ? await deps.tokens.holder(token) : undefined;
    if (!holder) return refuse(reply, 401, 'no valid token: send the session\'s $GANTRY_TOKEN as "Authorization: Bearer <token>" (gantry-agent does)');
    if (holder.task !== deps.task.task) return refuse(reply, 403, `this token belongs to task ${holder.task}, not to the session this API serves`);
    request.holder = holder;
  });

  /** The path's task must be the token's: nothing is written as, or read from the inbox of, another task. */
  const ownTask = (request: FastifyRequest<{ Params: { task: string } }>, reply: FastifyReply): TokenHolder | undefined => {
    const holder = request.holder;
    if (holder && request.params.task === holder.task) return holder;
    void refuse(reply, 403, `a token of task ${holder?.task ?? '?'} cannot act for task ${request.params.task}: write and read inbox as ${holder?.task ?? 'yourself'} only`);
    return undefined;
  };

  const write = async (holder: TokenHolder, entry: { kind: MemoryKind; text: string; why?: string; to?: string }) => {
    const written = await deps.memory.append({ ...entry, task: holder.task, role: holder.role, files: await deps.files() });
    await deps.recorded?.(written);
    return written;
  };

  app.get('/v1/whoami', async (request) => request.holder);

  app.post<{ Params: { task: string } }>('/v1/tasks/:task/memory', async (request, reply) => {
    const holder = ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(memoryBody, request.body, reply);
    if (!body) return reply;
    return reply.code(201).send(await write(holder, { kind: body.kind, text: body.text, ...(body.why ? { why: body.why } : {}) }));
  });

  app.post<{ Params: { task: string } }>('/v1/tasks/:task/messages', async (request, reply) => {
    const holder = ownTask(request, reply);
    if (!holder) return reply;
    const body = parse(messageBody, request.body, reply);
    if (!body) return reply;
    return reply.code(201).send(await write(holder, { kind: 'message', text: body.text, to: body.to }));
  });

  app.get<{ Params: { task: string } }>('/v1/tasks/:task/inbox', async (request, reply) => {
    const holder = ownTask(request, reply);
    if (!holder) return reply;
    const messages = (await deps.memory.list({ kind: 'message' })).filter((entry) => isFor(entry, { id: holder.task, role: holder.role }));
    return messages.slice(-INBOX_SHOWN);
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
