import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../harness/reports/index.ts';
import { addTasks } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';
import { outputTokensOf, tokensOf } from '../helpers/model-server/script.ts';
import type { RecordedRequest } from '../helpers/model-server/scripted-server.ts';
import type { Project } from '../helpers/project-fixture.ts';
import { canaryKey, CODEX_PRICE, filesHolding, noteScript, realAgent, useRealAgents } from '../helpers/real-agents.ts';
import { eventsOf, journalOf } from '../helpers/reporting-agents.ts';

const agents = useRealAgents();

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

async function runUntilIdle(project: Project): Promise<{ stdout: string; stderr: string }> {
  const run = await project.gantry(['run', '--until-idle'], { timeout: 150_000 });
  expect(run.exitCode, run.stderr).toBe(0);
  return run;
}

/** What Claude Code printed as the session's cost: `total_cost_usd` of the result object in its session log. */
async function claudeReportedCost(project: Project, run: string, task: string): Promise<number> {
  const log = await readFile(join(project.dir, 'state', 'runs', run, 'tasks', task, 'attempt-1', 'session-1.log'), 'utf8');
  const line = log.split('\n').find((text) => text.startsWith('{') && text.includes('"type":"result"'));
  if (line === undefined) throw new Error(`no result object in the session log of task ${task}:\n${log}`);
  return (JSON.parse(line) as { total_cost_usd: number }).total_cost_usd;
}

/**
 * What Codex's sessions cost, recomputed from what the scripted server
 * answered (the server counts four characters a token): every prompt, the
 * prefix each repeated of the session's previous prompt at the cached price,
 * and the output of the steps it answered.
 */
function codexCost(requests: readonly RecordedRequest[]): number {
  const script = noteScript('openai-responses');
  let dollars = 0;
  const previous = new Map<string, number>();
  for (const request of requests) {
    const step = script[request.step ?? -1];
    if (request.status !== 200 || step === undefined) throw new Error(`the Codex session made a request the script did not answer: ${JSON.stringify(request.body)}`);
    const prompt = tokensOf(JSON.stringify(request.body));
    const cached = Math.min(previous.get(request.session) ?? 0, prompt);
    previous.set(request.session, prompt);
    dollars += ((prompt - cached) * CODEX_PRICE.input + cached * CODEX_PRICE.cachedInput + outputTokensOf(step) * CODEX_PRICE.output) / 1e6;
  }
  return dollars;
}

describe('gantry run with the real agent CLIs against scripted model APIs', () => {
  it('when three tasks go to Claude Code and then one to Codex, each commits through its own shell tool, all four merge, and the report total is what Claude Code printed plus Codex\'s tokens at agent.price', { timeout: 240_000 }, async () => {
    const claude = await agents.model('anthropic', noteScript('anthropic'));
    const codex = await agents.model('openai-responses', noteScript('openai-responses'));
    // One config has one agent kind: two controller runs on one state dir and prefix, so one run (and one journal).
    const project = await agents.project({ ...realAgent('anthropic', claude, 'sk-ant-scripted'), concurrency: 3 });
    const claudeTasks = await addTasks(project, ['note alpha', 'note bravo', 'note charlie']);
    await runUntilIdle(project);
    await project.reconfigure(realAgent('openai-responses', codex, 'sk-scripted'));
    const codexTasks = await addTasks(project, ['note delta']);
    await runUntilIdle(project);

    const all = [...claudeTasks, ...codexTasks];
    expect(new Set(mergedTaskIds(await project.mainLog()))).toEqual(new Set(all));
    // Each agent's commit, made by its CLI's tool call, is on main with the note the gate's tests checked.
    const { stdout: agentCommits } = await execa('git', ['--git-dir', project.upstream, 'log', '--no-merges', '--format=%s|%an', 'main']);
    for (const task of all) {
      expect(agentCommits.split('\n')).toContain(`note ${task}|gantry agent (core)`);
      const { stdout: note } = await execa('git', ['--git-dir', project.upstream, 'show', `main:notes/${task}.txt`]);
      expect(note).toBe(task);
    }

    const run = await project.run();
    if (!run) throw new Error('the project has no run');
    const events = await journalOf(project);
    expect(eventsOf(events, 'attempt.started').map((e) => [e.task, e.agent])).toEqual(
      expect.arrayContaining([...claudeTasks.map((task) => [task, 'claude-code']), ...codexTasks.map((task) => [task, 'codex'])]),
    );
    const ended = eventsOf(events, 'session.ended');
    expect(ended.map((e) => [e.task, e.end, e.provider])).toEqual(
      expect.arrayContaining([...claudeTasks.map((task) => [task, 'done', 'anthropic']), ...codexTasks.map((task) => [task, 'done', 'openai'])]),
    );
    expect(ended).toHaveLength(4);

    const claudeCosts = await Promise.all(claudeTasks.map((task) => claudeReportedCost(project, run, task)));
    const codexRequests = await codex.requests();
    expect(new Set(codexRequests.map((request) => request.session)).size).toBe(1);
    const codexDollars = codexCost(codexRequests);
    expect(claudeCosts.every((cost) => cost > 0)).toBe(true);
    expect(codexDollars).toBeGreaterThan(0);

    const report = await project.gantry(['report', '--format', 'json']);
    expect(report.exitCode, report.stderr).toBe(0);
    const { totals } = JSON.parse(report.stdout) as RunReport;
    expect(totals).toMatchObject({ tasks: 4, merged: 4, failed: 0, sessions: 4 });
    // The report rounds dollars to a millionth (roundUsd); a session's cost is thousands of times that.
    expect(totals.costUsd).toBeCloseTo(sum(claudeCosts) + codexDollars, 5);
  });

  it('when the model key is a canary, the real CLI sends it to the model API, and it is nowhere in the state dir, the controller\'s output at debug level, the reports or main\'s history', { timeout: 180_000 }, async () => {
    const { key, secret } = canaryKey('sk-ant-');
    const model = await agents.model('anthropic', noteScript('anthropic'));
    const project = await agents.project({ ...realAgent('anthropic', model, key), concurrency: 2, logLevel: 'debug' });
    const tasks = await addTasks(project, ['note alpha', 'note bravo']);

    const run = await runUntilIdle(project);

    expect(new Set(mergedTaskIds(await project.mainLog()))).toEqual(new Set(tasks));
    const requests = await model.requests();
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.every((request) => request.headers['x-api-key'] === key)).toBe(true);
    // In the project's folder only the config holds the key: nothing under the state dir (journal, briefs, session and gate logs, work trees).
    expect(await filesHolding(project.dir, secret)).toEqual(['gantry.yaml']);

    expect(run.stderr).toContain('"level":20');
    const readers = [['report', '--format', 'md'], ['report', '--format', 'json'], ['report', '--format', 'html'], ['task', 'list', '--json']];
    const outputs = [run, ...await Promise.all(readers.map((args) => project.gantry(args)))];
    for (const output of outputs) {
      expect(output.stdout.length + output.stderr.length).toBeGreaterThan(0);
      expect(output.stdout).not.toContain(secret);
      expect(output.stderr).not.toContain(secret);
    }
    const { stdout: history } = await execa('git', ['--git-dir', project.upstream, 'log', '--all', '-p']);
    expect(history).not.toContain(secret);
  });

  it('when the run budget is smaller than the work, Claude Code sessions stop starting at the limit, running ones finish, the overspend stays within one session and the report names the budget', { timeout: 240_000 }, async () => {
    const claude = await agents.model('anthropic', noteScript('anthropic'));
    const project = await agents.project({ ...realAgent('anthropic', claude, 'sk-ant-scripted'), concurrency: 2 });
    // What one real session costs here, measured on a first task with no budget.
    await addTasks(project, ['note alpha']);
    await runUntilIdle(project);
    const [first] = eventsOf(await journalOf(project), 'session.ended');
    const perSession = first?.costUsd ?? 0;
    expect(perSession).toBeGreaterThan(0);
    const limit = 2.5 * perSession;
    await project.reconfigure({ budget: { run: limit } });
    await addTasks(project, ['note bravo', 'note charlie', 'note delta', 'note echo']);

    const stopped = await project.gantry(['run', '--until-idle'], { timeout: 180_000 });
    expect(stopped.exitCode, stopped.stderr).toBe(2);
    expect(stopped.stderr).toMatch(/BUDGET_REACHED: run budget \$\d+\.\d\d reached/);

    const events = await journalOf(project);
    const ended = eventsOf(events, 'session.ended');
    expect(ended).toHaveLength(eventsOf(events, 'session.started').length);
    const costs = ended.map((e) => e.costUsd ?? Number.NaN);
    const spent = sum(costs);
    expect(spent).toBeGreaterThanOrEqual(limit);
    expect(spent - limit).toBeLessThanOrEqual(Math.max(...costs));
    const merged = mergedTaskIds(await project.mainLog());
    expect(merged.length).toBe(ended.length);
    expect(merged.length).toBeLessThan(5);

    const report = JSON.parse((await project.gantry(['report', '--format', 'json'])).stdout) as RunReport;
    expect(report.totals.costUsd).toBeCloseTo(spent, 9);
    expect(report.stops).toContainEqual(expect.objectContaining({ kind: 'budget', budget: { scope: 'run' }, limitUsd: expect.closeTo(limit, 6) }));
    // Each task the budget stopped says so.
    const unmerged = report.tasks.filter((task) => !merged.includes(task.id));
    expect(unmerged).toHaveLength(5 - merged.length);
    for (const task of unmerged) expect(task).toMatchObject({ status: 'failed', reason: expect.stringMatching(/run budget \$\d+\.\d\d reached/) });
    expect((await project.gantry(['report'])).stdout).toMatch(/run budget/i);
  });
});
