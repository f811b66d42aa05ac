import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDashboardAddress } from '../../harness/server/index.ts';
import { addTasks, useProject } from '../helpers/e2e-project.ts';
import { decodePng } from '../helpers/png.ts';
import { eventsOf, journalOf, noteAgent, resultLine } from '../helpers/reporting-agents.ts';
import { eventually } from '../helpers/runtime-conformance.ts';

const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const SCREENSHOT = new URL('dashboard.png', ARTIFACTS);

/** Each session prints a line, works a while (so the grid has agents to show), writes its note and reports a cost. */
const AGENT = noteAgent({
  before: 'echo "reading the brief for $name"; sleep 5; echo "writing notes/$name.txt"',
  after: resultLine({ costUsd: 0.05, inputTokens: 1200, outputTokens: 150 }),
});

/** Tasks whose session has started and not ended, merged or failed: the agents at work, by the journal alone. */
function inSession(events: Awaited<ReturnType<typeof journalOf>>): string[] {
  const open = new Set<string>();
  for (const event of events) {
    if (event.type === 'session.started') open.add(event.task);
    else if (event.type === 'session.ended' || event.type === 'task.merged' || event.type === 'attempt.failed') open.delete(event.task);
  }
  return [...open].sort();
}

describe('dashboard (in headless Chromium) and /metrics on a running scripted run', () => {
  const newProject = useProject();
  let browser: Browser;

  beforeAll(async () => {
    const found = await execa('sh', ['-c', 'command -v chromium'], { reject: false });
    if (found.exitCode !== 0) throw new Error('chromium not found: this test drives the dashboard in headless Chromium; install it with `apt-get install -y chromium`');
    browser = await chromium.launch({ executablePath: found.stdout.trim(), args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows each agent at work in the grid, a merge in the timeline within 5 s, the cost chart and the log tail; a screenshot is kept', async () => {
    const project = await newProject({ concurrency: 3, sessions: 2, retries: 0, agentCommand: AGENT });
    await addTasks(project, ['note alpha', 'note bravo', 'note charlie', 'note delta', 'note echo']);
    const run = project.gantry(['run', '--until-idle'], { timeout: 240_000 });
    const state = join(project.dir, 'state');
    const { url } = await eventually(async () => readDashboardAddress(state).catch(() => undefined), 60_000, 'the dashboard address');
    const printed = await project.gantry(['dashboard']);
    expect(printed.stdout.trim(), printed.stderr).toBe(url);
    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('#live.on', { timeout: 10_000 });
    const firstMerge = (async () => {
      const merge = await eventually(async () => eventsOf(await journalOf(project), 'task.merged')[0], 120_000, 'the first merge');
      await page.waitForSelector(`#timeline li[data-kind="merged"][data-task="${merge.task}"]`, { timeout: 10_000 });
      return { merge, lagMs: Date.now() - Date.parse(merge.ts) };
    })();
    // Its failure is reported where it is awaited, below, not as an unhandled rejection meanwhile.
    firstMerge.catch(() => {});

    // The grid: the page's cards are the tasks the journal has in a session (checked while at least two are).
    const cards = async () => (await page.locator('#agents .agent').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-task') ?? ''))).sort();
    const shown = await eventually(async () => {
      const working = inSession(await journalOf(project));
      if (working.length < 2) return undefined;
      const onPage = await cards();
      return working.every((task) => onPage.includes(task)) ? { working, onPage } : undefined;
    }, 60_000, 'the grid to show every agent in a session');
    expect(shown.onPage.length).toBeGreaterThanOrEqual(2);
    const card = page.locator(`#agents .agent[data-task="${shown.working[0]}"]`);
    await expect(card.locator('.role').textContent()).resolves.toBe('core');

    // The log tail of a chosen agent.
    await card.click();
    // Polled from here: the page's policy allows no script but its own, so no predicate runs in it.
    await expect.poll(() => page.textContent('#log'), { timeout: 10_000 }).toContain(`reading the brief for`);

    // The first merge, from the moment its journal line was written to the moment the timeline shows it
    // (watched from the start, beside the checks above, so their time is not counted).
    const { merge, lagMs } = await firstMerge;
    expect(lagMs, `task ${merge.task}`).toBeLessThanOrEqual(5_000);
    // Mid-run, with agents still at work: the picture the README shows.
    await page.waitForSelector('#charts svg#chart-cost');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(30_000);
    const png = decodePng(await readFile(SCREENSHOT));
    expect(png.width).toBe(1400);

    const result = await run;
    expect(result.exitCode, result.stderr).toBe(0);
    // The run is over: the server is gone; the page keeps what it last drew.
    expect(await page.locator('#timeline li[data-kind="merged"]').count()).toBeGreaterThanOrEqual(1);

    // The cost chart: a drawn line, not the empty-chart note.
    const line = await page.getAttribute('#charts svg#chart-cost path.line', 'd');
    expect(line ?? '').toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+/);
    await expect(page.locator('.kpi[data-kpi="spend"] b').textContent()).resolves.toMatch(/^\$0\.\d+/);

    expect(errors).toEqual([]);
  }, 300_000);

  it('on a real run, /metrics parses as Prometheus text and its counters match the journal', async () => {
    const project = await newProject({ concurrency: 2, sessions: 2, retries: 0, agentCommand: noteAgent({ after: resultLine({ costUsd: 0.125, inputTokens: 10, outputTokens: 5 }) }) });
    await addTasks(project, ['note golf', 'note hotel', 'note india']);
    const run = project.gantry(['run'], { timeout: 180_000 });
    const { url } = await eventually(async () => readDashboardAddress(join(project.dir, 'state')).catch(() => undefined), 60_000, 'the dashboard address');
    await eventually(async () => (eventsOf(await journalOf(project), 'task.merged').length === 3 ? true : undefined), 120_000, 'three merges');
    // The run is idle: its journal stays as it is while the server catches up (it looks every 0.5 s).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const families = new Map(parsePrometheusTextFormat(await (await fetch(new URL('/metrics', url))).text()).map((family) => [family.name, family]));
    const events = await journalOf(project);
    const sum = (name: string, labels: Record<string, string> = {}) => (families.get(name)?.metrics ?? [])
      .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)).reduce((total, m) => total + Number(m.value ?? m.count ?? 0), 0);
    for (const type of new Set(events.map((e) => e.type))) expect(sum('gantry_journal_events_total', { type }), type).toBe(events.filter((e) => e.type === type).length);
    expect(sum('gantry_merges_total', { role: 'core' })).toBe(3);
    expect(sum('gantry_sessions_total')).toBe(eventsOf(events, 'session.ended').length);
    expect(sum('gantry_gate_runs_total')).toBe(new Set(eventsOf(events, 'gate.result').map((e) => e.commit)).size);
    expect(sum('gantry_cost_usd_total', { role: 'core', provider: 'anthropic' })).toBeCloseTo(eventsOf(events, 'session.ended').reduce((total, e) => total + (e.costUsd ?? 0), 0), 6);
    expect(sum('gantry_tasks', { status: 'merged' })).toBe(3);
    expect(sum('gantry_sessions_running')).toBe(0);

    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(0);
    expect(await readDashboardAddress(join(project.dir, 'state'))).toBeUndefined();

    // With no controller left, `gantry serve` shows the same run.
    const served = project.gantry(['serve'], { timeout: 60_000 });
    const address = await eventually(async () => readDashboardAddress(join(project.dir, 'state')).catch(() => undefined), 30_000, 'gantry serve\'s address');
    const shown = (await (await fetch(new URL('/api/v1/run', address.url))).json()) as { run: string; totals: { merged: number } };
    expect(shown.run).toBe(await project.run());
    expect(shown.totals.merged).toBe(3);
    served.kill('SIGTERM');
    const ended = await served;
    expect(ended.exitCode, ended.stderr).toBe(0);
  }, 240_000);
});
