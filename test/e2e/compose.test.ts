import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../harness/reports/index.ts';
import { makeComposeStack, requireComposeImages, waitUntil, type ComposeStack } from '../helpers/compose-stack.ts';

/**
 * `docker-compose up` (Debian's 1.29 here) with the real images: the demo's
 * Claude Code sessions against the scripted model service, the controller
 * restarted mid-run, then the whole stack taken down and brought up again.
 * The cases run in order on one stack.
 */

const DEMO_DONE = 'gantry: DEMO done';
/** The demo's tasks.txt: all merge but `wrong foxtrot`, which the gate rejects twice. */
const DEMO_MERGED = ['note alpha', 'note bravo', 'note charlie', 'slow delta', 'note echo'];
const DEMO_FAILED = 'wrong foxtrot';
/** Three times the demo's slots: some are still waiting when the controller restarts. */
const RESTART_TASKS = Array.from({ length: 9 }, (_, i) => `slow r${i + 1}`);

let stack: ComposeStack;

beforeAll(async () => {
  await requireComposeImages();
  stack = await makeComposeStack();
});

afterAll(async () => {
  await stack?.teardown();
});

function tasksByText(report: RunReport): Map<string, RunReport['tasks'][number]> {
  return new Map(report.tasks.map((task) => [task.text ?? task.id, task]));
}

function duplicates(ids: readonly string[]): string[] {
  return ids.filter((id, index) => ids.indexOf(id) !== index);
}

/**
 * Queues `texts` in the running controller container; returns their ids. The
 * adds run at once, so the tasks arrive together: one after the other, each
 * CLI start takes longer than the demo needs to merge a task.
 */
async function addTasks(texts: readonly string[]): Promise<string[]> {
  const script = 'pids=""; for text; do gantry task add --role core "$text" & pids="$pids $!"; done; for pid in $pids; do wait "$pid" || exit 1; done';
  const added = await stack.compose(['exec', '-T', 'controller', 'sh', '-c', script, 'sh', ...texts]);
  expect(added.exitCode, String(added.stderr)).toBe(0);
  const ids = String(added.stdout).trim().split('\n').map((line) => line.split(' ').pop() ?? '');
  expect(ids).toHaveLength(texts.length);
  return ids;
}

describe('docker-compose up', () => {
  it('when docker-compose 1.29 reads docker-compose.yml, it is valid without a version key and names the agents network', async () => {
    const quiet = await stack.compose(['config', '-q']);
    expect(quiet.exitCode, String(quiet.stderr)).toBe(0);
    const { stdout } = await stack.compose(['config']);
    expect(String(stdout)).toContain(`name: ${stack.project}-agents`);
    expect(String(stdout)).toMatch(/restart: unless-stopped/);
  });

  it('when the stack comes up with no configuration, the demo runs Claude Code on its tasks, merges them, and the report shows them merged with their cost, labelled demo', { timeout: 240_000 }, async () => {
    const up = await stack.compose(['up', '-d'], { timeout: 120_000 });
    expect(up.exitCode, String(up.stderr)).toBe(0);
    await waitUntil(stack, 'the demo is done', async () => (await stack.logLines(DEMO_DONE)).length >= 1, 200_000);

    expect((await stack.logLines('gantry: DEMO:')).length).toBeGreaterThanOrEqual(1);
    const report = await stack.report();
    const tasks = tasksByText(report);
    for (const text of DEMO_MERGED) {
      const task = tasks.get(text);
      expect(task?.status, text).toBe('merged');
      expect(task?.role).toBe('core');
      expect(task?.agent).toBe('claude-code');
      expect(task?.costUsd, text).toBeGreaterThan(0);
    }
    expect(tasks.get(DEMO_FAILED)?.status).toBe('failed');
    expect(report.totals.merged).toBe(DEMO_MERGED.length);
    expect(report.totals.costUsd).toBeGreaterThan(0);
    expect(await stack.mergedOnMain()).toHaveLength(DEMO_MERGED.length);
  });

  it('when the demo runs, its dashboard is published on the host\'s loopback and asks for the token `gantry dashboard` prints', { timeout: 60_000 }, async () => {
    const printed = await stack.gantry(['dashboard']);
    expect(printed.exitCode, String(printed.stderr)).toBe(0);
    const inside = new URL(String(printed.stdout).trim());
    const token = inside.searchParams.get('token') ?? '';
    expect(token).not.toBe('');
    const outside = (path: string) => `http://127.0.0.1:${stack.dashboardPort}${path}`;
    expect((await fetch(outside('/api/v1/run'))).status).toBe(401);
    const run = await fetch(outside('/api/v1/run'), { headers: { authorization: `Bearer ${token}` } });
    expect(run.status).toBe(200);
    expect(((await run.json()) as { run: string }).run).toBe(await stack.run());
    const metrics = await fetch(outside('/metrics'), { headers: { authorization: `Bearer ${token}` } });
    expect(await metrics.text()).toMatch(new RegExp(`^gantry_merges_total\\{role="core"\\} ${DEMO_MERGED.length}$`, 'm'));
  });

  it('when the controller is restarted in the middle of a run, the run finishes: every task merged once, no container left behind', { timeout: 240_000 }, async () => {
    const run = await stack.run();
    const ids = await addTasks(RESTART_TASKS);
    const mergedOfThese = async () => (await stack.mergedOnMain()).filter((id) => ids.includes(id)).length;
    const sessionStarted = async () => (await stack.journal()).some((event) => event.type === 'session.started' && ids.includes(event.task));
    await waitUntil(stack, 'a session of the new tasks started', sessionStarted, 120_000);

    const restart = await stack.compose(['restart', 'controller'], { timeout: 150_000 });
    expect(restart.exitCode, String(restart.stderr)).toBe(0);
    // The stopping controller finishes its running sessions but starts no new
    // task: with more tasks than slots, some are left for the restarted one.
    expect(await mergedOfThese()).toBeLessThan(RESTART_TASKS.length);
    await waitUntil(stack, 'the restarted controller has run out of tasks', async () => (await stack.logLines(DEMO_DONE)).length >= 2, 180_000);

    const merged = await stack.mergedOnMain();
    expect(duplicates(merged)).toEqual([]);
    expect(merged.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(merged).toHaveLength(DEMO_MERGED.length + RESTART_TASKS.length);
    // The restarted controller, not the stopping one, merged some of them.
    const journal = await stack.journal();
    const stopped = journal.findIndex((event) => event.type === 'run.stopped' && event.reason === 'signal');
    expect(stopped).toBeGreaterThan(-1);
    expect(journal.slice(stopped).some((event) => event.type === 'task.merged' && ids.includes(event.task))).toBe(true);
    const report = await stack.report();
    expect(report.run).toBe(run);
    for (const id of ids) expect(report.tasks.find((task) => task.id === id)?.merges).toHaveLength(1);
    expect(await stack.runContainers()).toEqual([]);
  });

  it('when the stack is taken down and brought up again, the same run resumes: nothing is queued or merged twice and a new task merges', { timeout: 240_000 }, async () => {
    const run = await stack.run();
    const down = await stack.compose(['down'], { timeout: 150_000 });
    expect(down.exitCode, String(down.stderr)).toBe(0);
    const up = await stack.compose(['up', '-d'], { timeout: 120_000 });
    expect(up.exitCode, String(up.stderr)).toBe(0);
    await waitUntil(stack, 'the demo is done again', async () => (await stack.logLines(DEMO_DONE)).length >= 1, 120_000);
    // start.sh adds the demo's tasks at every start: each is found already queued.
    expect(await stack.logLines('already queued')).toHaveLength(DEMO_MERGED.length + 1);

    const [golf = ''] = await addTasks(['note golf']);
    await waitUntil(stack, 'the new task merged', async () => (await stack.mergedOnMain()).includes(golf), 120_000);

    const merged = await stack.mergedOnMain();
    expect(duplicates(merged)).toEqual([]);
    expect(merged).toHaveLength(DEMO_MERGED.length + RESTART_TASKS.length + 1);
    const report = await stack.report();
    expect(report.run).toBe(run);
    expect(report.totals.merged).toBe(merged.length);
    expect(tasksByText(report).get('note golf')?.status).toBe('merged');
  });
});
