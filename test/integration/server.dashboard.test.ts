import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../harness/config/index.ts';
import { silentLogger } from '../../harness/log.ts';
import { BullTaskQueue } from '../../harness/queue/index.ts';
import { journalPath, type JournalEvent } from '../../harness/reports/index.ts';
import { LiveJournal } from '../../harness/reports/live-journal.ts';
import { readDashboardAddress, startDashboard, type DashboardServer } from '../../harness/server/index.ts';
import { useRedisPrefix } from '../helpers/redis.ts';
import { sampleJournal } from '../helpers/sample-journal.ts';

const RUN = 'r-dashboard';

interface Sample {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; count?: string; sum?: string }>;
}

/** This machine's first non-loopback IPv4 address: a server bound there is reachable by others and must ask for a token. */
function outwardAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  throw new Error('no non-loopback IPv4 address on this machine: the token test needs one');
}

describe('dashboard server: API, /metrics, queue board, events', () => {
  const ctx = useRedisPrefix();
  let dir: string;
  let journalFile: string;
  let journal: LiveJournal;
  let server: DashboardServer | undefined;

  async function start(server_: Record<string, unknown>, budget?: Record<string, unknown>): Promise<DashboardServer> {
    await writeFile(join(dir, 'gantry.yaml'), JSON.stringify({
      repo: { url: './upstream.git' }, agent: { kind: 'command', command: 'true' }, gate: { command: 'true' },
      queue: { prefix: ctx.prefix }, server: server_, ...(budget ? { budget } : {}),
    }));
    const config = await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: ctx.url } });
    const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts: 1 });
    ctx.defer(() => queue.close());
    journal = new LiveJournal(journalFile, RUN);
    await journal.start();
    ctx.defer(() => journal.close());
    const started = await startDashboard({ config, redis: ctx.redis, queue, journal, logger: silentLogger });
    if (!started) throw new Error('the dashboard did not start');
    server = started;
    return started;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-dashboard-'));
    journalFile = journalPath(join(dir, '.gantry'), RUN);
    await mkdir(dirname(journalFile), { recursive: true });
    await writeFile(journalFile, sampleJournal(RUN).map((event) => `${JSON.stringify(event)}\n`).join(''));
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the run as JSON (tasks, merges, costs, roles, gate, dashboard) the way the report counts it, and says where it is', async () => {
    const { url } = await start({ port: 0 }, { run: 20 });
    const get = async (path: string) => {
      const response = await fetch(new URL(path, url));
      expect(response.status, path).toBe(200);
      return response.json() as Promise<Record<string, unknown> & Array<Record<string, unknown>>>;
    };
    const events = sampleJournal(RUN);
    const merged = events.filter((e) => e.type === 'task.merged').length;
    const run = await get('/api/v1/run');
    expect(run.run).toBe(RUN);
    expect((run.totals as { merged: number }).merged).toBe(merged);
    const spent = (run.budget as { spentUsd: number; runLimitUsd: number; runLeftUsd: number });
    expect(spent.runLimitUsd).toBe(20);
    expect(spent.runLeftUsd).toBeCloseTo(20 - spent.spentUsd, 5);
    expect((await get('/api/v1/merges')).length).toBe(merged);
    const tasks = await get('/api/v1/tasks');
    expect(tasks.length).toBe(24);
    const one = await get(`/api/v1/tasks/${String(tasks[0]?.id)}`);
    expect((one.sessions as unknown[]).length).toBeGreaterThan(0);
    expect((await fetch(new URL('/api/v1/tasks/no-such-task', url))).status).toBe(404);
    const gate = await get('/api/v1/gate?limit=5');
    expect(gate.length).toBe(5);
    expect(gate.map((step) => step.at)).toEqual([...gate.map((step) => step.at as string)].sort().reverse());
    expect((await fetch(new URL('/api/v1/gate?limit=zero', url))).status).toBe(400);
    const costs = await get('/api/v1/costs');
    expect((costs.roles as Array<{ role: string }>).map((r) => r.role).sort()).toEqual(['core', 'critic', 'docs', 'perf']);
    const charts = await get('/api/v1/charts');
    expect(charts.map((c) => c.id)).toEqual(['chart-cost', 'chart-merges', 'chart-cost-by-role', 'chart-cost-per-merge']);
    const dashboard = await get('/api/v1/dashboard');
    // No worker holds any of the sample's tasks: the journal alone does not make an agent "at work".
    expect(dashboard.agents).toEqual([]);
    expect((await get('/api/v1/roles')).map((r) => r.role)).toEqual(expect.arrayContaining(['core', 'dedup', 'perf', 'critic', 'docs']));
    expect(await readDashboardAddress(join(dir, '.gantry'))).toMatchObject({ url, pid: process.pid, run: RUN });
    expect((await stat(join(dir, '.gantry', 'dashboard.json'))).mode & 0o777).toBe(0o600);

    const older = journalPath(join(dir, '.gantry'), 'r-older');
    await mkdir(dirname(older), { recursive: true });
    await writeFile(older, sampleJournal('r-older').slice(0, 5).map((event) => `${JSON.stringify(event)}\n`).join(''));
    const runs = await get('/api/v1/runs');
    expect(runs.map((r) => [r.run, r.current]).sort()).toEqual([[RUN, true], ['r-older', false]]);
    expect((await get('/api/v1/runs/r-older/report')).run).toBe('r-older');
    expect((await get(`/api/v1/runs/${RUN}/report`)).totals).toEqual(run.totals);
    expect((await fetch(new URL('/api/v1/runs/..%2F..%2Fetc/report', url))).status).toBe(404);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/dashboard.js">');
  });

  it('/metrics parses as Prometheus text, and its counters match the journal, also after new events', async () => {
    const { url } = await start({ port: 0 }, { run: 20, perRole: { docs: 2 } });
    const scrape = async (): Promise<Map<string, Sample>> => {
      const response = await fetch(new URL('/metrics', url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const families = parsePrometheusTextFormat(await response.text()) as Sample[];
      return new Map(families.map((family) => [family.name, family]));
    };
    const total = (family: Sample | undefined, labels: Record<string, string> = {}) =>
      (family?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
    const expectMatches = async (events: readonly JournalEvent[]) => {
      const metrics = await scrape();
      const count = (type: string) => events.filter((e) => e.type === type).length;
      for (const type of new Set(events.map((e) => e.type))) expect(total(metrics.get('gantry_journal_events_total'), { type }), type).toBe(count(type));
      expect(total(metrics.get('gantry_tasks_queued_total'))).toBe(count('task.queued'));
      expect(total(metrics.get('gantry_merges_total'))).toBe(count('task.merged'));
      expect(total(metrics.get('gantry_sessions_total'))).toBe(count('session.ended'));
      expect(total(metrics.get('gantry_sessions_total'), { end: 'done' })).toBe(events.filter((e) => e.type === 'session.ended' && e.end === 'done').length);
      const suiteRuns = new Set(events.flatMap((e) => (e.type === 'gate.result' ? [e.commit] : [])));
      expect(total(metrics.get('gantry_gate_runs_total'))).toBe(suiteRuns.size);
      expect(total(metrics.get('gantry_gate_run_duration_seconds'))).toBe(suiteRuns.size);
      const cost = events.reduce((sum, e) => sum + (e.type === 'session.ended' ? e.costUsd ?? 0 : 0), 0);
      expect(total(metrics.get('gantry_cost_usd_total'))).toBeCloseTo(cost, 6);
      expect(total(metrics.get('gantry_rate_limit_backoffs_total'))).toBe(count('provider.backoff'));
      expect(total(metrics.get('gantry_attempts_failed_total'))).toBe(count('attempt.failed'));
      return metrics;
    };
    const events = sampleJournal(RUN);
    const first = await expectMatches(events);
    expect(total(first.get('gantry_tasks'))).toBe(24);
    expect(first.get('gantry_queue_jobs')?.metrics.some((m) => m.labels?.queue === 'merge')).toBe(true);
    const spent = events.reduce((sum, e) => sum + (e.type === 'session.ended' ? e.costUsd ?? 0 : 0), 0);
    expect(total(first.get('gantry_budget_left_usd'), { scope: 'run' })).toBeCloseTo(Math.max(0, 20 - spent), 5);
    expect(first.get('gantry_budget_left_usd')?.metrics.find((m) => m.labels?.role === 'docs')).toBeDefined();

    const more: JournalEvent[] = [
      { ts: new Date().toISOString(), run: RUN, type: 'provider.backoff', provider: 'anthropic', until: new Date().toISOString(), task: 'task-99' },
      { ts: new Date().toISOString(), run: RUN, type: 'task.merged', task: 'task-03', attempt: 2, commit: 'f'.repeat(40) },
    ];
    await appendFile(journalFile, more.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await journal.refresh();
    await expectMatches([...events, ...more]);
  });

  it('streams journal events as server-sent events, from a given event on and as they are written', async () => {
    const { url } = await start({ port: 0 });
    const controller = new AbortController();
    const response = await fetch(new URL('/api/v1/events?after=3', url), { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil('id: 4\n');
    expect(text).not.toContain('id: 3\n');
    const added = { ts: new Date().toISOString(), run: RUN, type: 'task.queued', task: 'task-new', role: 'core', text: 'streamed' };
    await appendFile(journalFile, `${JSON.stringify(added)}\n`);
    await readUntil('"task-new"');
    expect(text).toContain(`id: ${sampleJournal(RUN).length + 1}\nevent: journal\ndata: ${JSON.stringify(added)}\n`);
    controller.abort();
  });

  it('mounts Bull Board read-only: the board answers, and any change through it is refused', async () => {
    const { url } = await start({ port: 0 });
    const board = await fetch(new URL('/queues', url));
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('gantry queues');
    const queues = await fetch(new URL('/queues/api/queues', url));
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
    expect(names.map((q) => q.name)).toContain('merge');
    expect(names.every((q) => q.readOnlyMode)).toBe(true);
    const retry = await fetch(new URL('/queues/api/queues/merge/retry/failed', url), { method: 'PUT' });
    expect(retry.status).toBe(405);
  });

  it('bound to a non-loopback address, every route needs the token: 401 without it; a bearer token or the cookie from ?token= lets in', async () => {
    const host = outwardAddress();
    const { url, token } = await start({ host, port: 0 });
    expect(url).toContain(host);
    expect(token).toMatch(/^[\w-]{32}$/);
    for (const path of ['/api/v1/run', '/api/v1/tasks', '/api/v1/events', '/metrics', '/queues', '/']) {
      const refused = await fetch(new URL(path, url));
      expect(refused.status, path).toBe(401);
      expect(((await refused.json()) as { error: string }).error).toContain('gantry dashboard');
    }
    expect((await fetch(new URL('/api/v1/run', url), { headers: { authorization: 'Bearer wrong-token-of-the-same-length!!' } })).status).toBe(401);
    expect((await fetch(new URL('/api/v1/run', url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const opened = await fetch(new URL(`/?token=${token}`, url), { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/');
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(opened.headers.get('set-cookie')).toContain('HttpOnly');
    expect((await fetch(new URL('/api/v1/dashboard', url), { headers: { cookie } })).status).toBe(200);
    expect(JSON.parse(await readFile(join(dir, '.gantry', 'dashboard.json'), 'utf8'))).toMatchObject({ token });
  });

  it('when its port is taken, the run goes on without a server', async () => {
    const first = await start({ port: 0 });
    const port = new URL(first.url).port;
    const config = await loadConfig(join(dir, 'gantry.yaml'), { env: { REDIS_URL: ctx.url, GANTRY_SERVER_PORT: port } });
    const queue = new BullTaskQueue({ connection: ctx.redis, prefix: ctx.prefix, attempts: 1 });
    ctx.defer(() => queue.close());
    expect(await startDashboard({ config, redis: ctx.redis, queue, journal, logger: silentLogger })).toBeUndefined();
    expect((await fetch(new URL('/api/v1/run', first.url))).status).toBe(200);
  });
});
