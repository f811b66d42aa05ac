import { request } from 'node:http';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_TOOLS } from '../../harness/agents/build-agent-tools.ts';
import { gatherBriefMemory, MemoryStore, type Peer } from '../../harness/memory/index.ts';
import { FileLeases } from '../../harness/queue/index.ts';
import { AgentApiHost, agentTokens, type SessionApi } from '../../harness/server/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';

const GANTRY_AGENT = AGENT_TOOLS.find((tool) => tool.name === 'gantry-agent')?.script ?? 'gantry-agent';
const PEERS: Peer[] = [{ task: 't-bravo', role: 'docs', branch: 'gantry/t-bravo', files: ['README.md'] }];

/** One HTTP call on a session's socket, as an agent that skips gantry-agent would make it. */
function call(socketPath: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('agent API on a session socket', () => {
  const ctx = useRedisPrefix();
  let dir: string;
  let host: AgentApiHost;
  let store: MemoryStore;
  const open: SessionApi[] = [];
  const recorded: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-api-'));
    recorded.length = 0;
    store = new MemoryStore(ctx.redis, ctx.prefix);
    host = new AgentApiHost({
      tokens: agentTokens(ctx.redis, ctx.prefix), memory: store, dir,
      peers: async (task) => PEERS.filter((peer) => peer.task !== task),
      files: async (task) => (task === 't-alpha' ? ['src/alpha.ts'] : []),
      leases: new FileLeases(ctx.redis, ctx.prefix),
      journal: async (event) => void recorded.push(`${event.type}:${'kind' in event ? event.kind : ''}:${'task' in event ? event.task : ''}`),
    });
  });

  afterEach(async () => {
    for (const api of open.splice(0)) await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const session = async (task: string, role = 'core') => {
    const api = await host.open({ task, role }, 60_000, { attempt: 1, session: 1 });
    open.push(api);
    const socket = join(api.dir, 'api.sock');
    const agent = (...args: string[]) => execa('node', [GANTRY_AGENT, ...args], {
      env: { GANTRY_API: socket, GANTRY_TOKEN: api.env.GANTRY_TOKEN ?? '', GANTRY_TASK_ID: task }, reject: false,
    });
    return { api, socket, token: api.env.GANTRY_TOKEN ?? '', agent };
  };

  it('when a session records a decision and a handoff with gantry-agent, the next brief of its task holds both, and the journal hook sees each', async () => {
    const alpha = await session('t-alpha');

    const decided = await alpha.agent('decide', 'keep the parser hand-written', '--why', 'the grammar is tiny');
    const handed = await alpha.agent('handoff', 'parser done; tests for errors next');
    expect([decided.exitCode, handed.exitCode], `${decided.stderr}${handed.stderr}`).toEqual([0, 0]);
    expect(decided.stdout).toMatch(/recorded decision \d+-\d+/);

    const memory = await gatherBriefMemory(store, { id: 't-alpha', role: 'core', files: [] }, PEERS);
    expect(memory.handoff?.text).toBe('parser done; tests for errors next');
    expect(memory.learned.map((e) => [e.kind, e.text, e.why, e.files])).toEqual([['decision', 'keep the parser hand-written', 'the grammar is tiny', ['src/alpha.ts']]]);
    expect(recorded).toEqual(['memory.recorded:decision:t-alpha', 'memory.recorded:handoff:t-alpha']);
  });

  it('when a message goes to a role, each task of that role gets it once in its next brief and keeps it in its inbox; the sender and other roles do not', async () => {
    const alpha = await session('t-alpha');
    const sent = await alpha.agent('msg', 'docs', 'the API changed: see src/alpha.ts');
    expect(sent.exitCode, sent.stderr).toBe(0);

    const docs = { id: 't-bravo', role: 'docs', files: [] };
    expect((await gatherBriefMemory(store, docs, [])).messages.map((m) => m.text)).toEqual(['the API changed: see src/alpha.ts']);
    expect((await gatherBriefMemory(store, docs, [])).messages).toEqual([]);
    expect((await gatherBriefMemory(store, { id: 't-charlie', role: 'perf', files: [] }, [])).messages).toEqual([]);
    expect((await gatherBriefMemory(store, { id: 't-alpha', role: 'core', files: [] }, [])).messages).toEqual([]);

    const bravo = await session('t-bravo', 'docs');
    const inbox = await bravo.agent('inbox');
    expect(inbox.stdout).toContain('message from t-alpha (core) to docs: the API changed: see src/alpha.ts');
    const peers = await alpha.agent('peers');
    expect(peers.stdout.trim()).toBe('t-bravo (docs) on gantry/t-bravo: README.md');
  });

  it('when a token of task A is used for task B, writing as B and reading B\'s inbox are refused (403); without a token everything is 401; other paths do not exist', async () => {
    const alpha = await session('t-alpha');
    const bravo = await session('t-bravo', 'docs');

    const asB = await call(alpha.socket, 'POST', '/v1/tasks/t-bravo/memory', alpha.token, { kind: 'decision', text: 'forged' });
    const readB = await call(alpha.socket, 'GET', '/v1/tasks/t-bravo/inbox', alpha.token);
    const msgAsB = await call(alpha.socket, 'POST', '/v1/tasks/t-bravo/messages', alpha.token, { to: 'all', text: 'forged' });
    expect([asB.status, readB.status, msgAsB.status]).toEqual([403, 403, 403]);
    expect(asB.body.error).toContain('a token of task t-alpha cannot act for task t-bravo');
    // B's token on A's socket: a token is good only on its own session's socket.
    expect((await call(alpha.socket, 'GET', '/v1/whoami', bravo.token)).status).toBe(403);
    expect((await call(alpha.socket, 'GET', '/v1/peers')).status).toBe(401);
    expect((await call(alpha.socket, 'GET', '/v1/peers', 'not-a-token')).status).toBe(401);
    expect((await call(alpha.socket, 'GET', '/v1/tasks', alpha.token)).status).toBe(404);
    // The same agent pretending with gantry-agent gets the same answer.
    const pretend = await execa('node', [GANTRY_AGENT, 'note', 'forged'], { env: { GANTRY_API: alpha.socket, GANTRY_TOKEN: alpha.token, GANTRY_TASK_ID: 't-bravo' }, reject: false });
    expect(pretend.exitCode).toBe(1);
    expect(pretend.stderr).toContain('refused (403)');
    expect(await store.list()).toEqual([]);
    // Each refusal is in the journal as a containment of the session that tried it.
    const refused = recorded.filter((line) => line.startsWith('contained:'));
    expect(refused).toEqual(Array(7).fill('contained:api:t-alpha'));
  });

  it('when a session leases files, a task that declares one is held back until the release, another task cannot release it, and a lease lapses on its own', async () => {
    const leases = new FileLeases(ctx.redis, ctx.prefix);
    const alpha = await session('t-alpha');
    const bravo = await session('t-bravo', 'docs');

    const leased = await alpha.agent('lease', 'src/parser/**', 'README.md', '--ttl', '10m');
    expect(leased.exitCode, leased.stderr).toBe(0);
    expect(leased.stdout).toMatch(/leased src\/parser\/\*\*, README\.md until \d{4}-/);
    expect((await leases.blocking('t-charlie', ['src/parser/lexer.ts']))?.lease.task).toBe('t-alpha');
    expect(await leases.blocking('t-charlie', ['src/other.ts'])).toBeUndefined();
    expect(await leases.blocking('t-alpha', ['README.md'])).toBeUndefined();
    expect(recorded).toContain('lease.taken::t-alpha');

    const stolen = await call(bravo.socket, 'DELETE', '/v1/tasks/t-alpha/leases', bravo.token, { files: [] });
    expect(stolen.status).toBe(403);
    const partly = await alpha.agent('release', 'README.md');
    expect(partly.stdout.trim()).toBe('gantry-agent: released README.md');
    expect(await leases.blocking('t-charlie', ['README.md'])).toBeUndefined();
    expect(await leases.blocking('t-charlie', ['src/parser/lexer.ts'])).toBeDefined();
    expect((await alpha.agent('release')).stdout.trim()).toBe('gantry-agent: released src/parser/**');
    expect(await leases.active()).toEqual([]);

    const bad = await alpha.agent('lease', 'a.txt', '--ttl', 'soon');
    expect([bad.exitCode, bad.stderr.trim()]).toEqual([1, 'gantry-agent: --ttl soon is not a duration: give seconds, or a number with s, m or h (e.g. 30m)']);
    await alpha.agent('lease', 'a.txt', '--ttl', '1');
    expect(await leases.blocking('t-charlie', ['a.txt'])).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await leases.blocking('t-charlie', ['a.txt'])).toBeUndefined();
  });

  it('when a process serving sessions was killed, the sweep removes its sockets and keeps those that still answer', async () => {
    const live = await session('t-alpha');
    const deadDir = join(dir, 'sockets', 'killed');
    await mkdir(deadDir, { recursive: true });
    // A process that listens and is killed leaves its socket file behind.
    const child = execa('node', ['-e', 'require("net").createServer().listen(process.argv[1], () => console.log("up"))', join(deadDir, 'api.sock')]);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    child.kill('SIGKILL');
    await child.catch(() => undefined);
    await mkdir(join(dir, 'sockets', 'empty'));

    expect(await host.sweep()).toBe(2);
    expect(await readdir(join(dir, 'sockets'))).toEqual([basename(live.api.dir)]);
    expect((await live.agent('peers')).exitCode).toBe(0);
  });

  it('when the body is wrong, the answer names the field and the fix; when the session ends, its token and socket are gone', async () => {
    const alpha = await session('t-alpha');
    const empty = await call(alpha.socket, 'POST', '/v1/tasks/t-alpha/memory', alpha.token, { kind: 'lesson', text: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('text is empty: say what you mean to record');
    const kind = await call(alpha.socket, 'POST', '/v1/tasks/t-alpha/memory', alpha.token, { kind: 'message', text: 'x' });
    expect(kind.status).toBe(400);
    expect(kind.body.error).toMatch(/^kind /);

    await alpha.api.close();
    open.splice(open.indexOf(alpha.api), 1);
    await expect(stat(alpha.socket)).rejects.toThrow();
    expect(await agentTokens(ctx.redis, ctx.prefix).holder(alpha.token)).toBeUndefined();
  });
});
