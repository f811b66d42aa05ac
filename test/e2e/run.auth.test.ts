import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addTasks, listTasks, useProject } from '../helpers/e2e-project.ts';
import { mergedTaskIds } from '../helpers/main-history.ts';
import { eventsOf, journalOf, noteAgent, resultLine } from '../helpers/reporting-agents.ts';

const newProject = useProject();

describe('gantry run when the provider refuses the key', () => {
  it('when sessions report a refused key, it says once what to fix, parks the tasks without failing them or spending an attempt, and the run after the fix merges them', async () => {
    const project = await newProject({
      concurrency: 2,
      agentCommand: noteAgent({ before: `${resultLine({ end: 'auth', message: 'invalid x-api-key' })}; exit 1` }),
    });
    await addTasks(project, ['note alpha', 'note bravo']);

    const blocked = await project.gantry(['run', '--until-idle'], { timeout: 120_000 });
    expect(blocked.exitCode, blocked.stderr).toBe(2);
    expect(blocked.stderr).toMatch(/gantry: PROVIDER_BLOCKED: provider anthropic refused the key \(invalid x-api-key\): fix ANTHROPIC_API_KEY in agent\.env and start gantry again; its tasks wait, none is failed \(2 task\(s\) parked\)/);
    const errorLines = blocked.stderr.split('\n').filter((line) => line.includes('"level":50'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/provider anthropic refused the key.*ANTHROPIC_API_KEY/);

    const events = await journalOf(project);
    expect(eventsOf(events, 'provider.auth')).toMatchObject([{ provider: 'anthropic', message: 'invalid x-api-key' }]);
    expect(eventsOf(events, 'attempt.failed')).toEqual([]);
    expect((await listTasks(project)).map((t) => [t.state, t.attempts])).toEqual([['delayed', 0], ['delayed', 0]]);
    expect(mergedTaskIds(await project.mainLog())).toEqual([]);

    // The person fixes the key (here: the agent) and starts gantry again.
    const config = parse(await readFile(project.configFile, 'utf8')) as { agent: { command: string } };
    config.agent.command = noteAgent({ after: resultLine({ costUsd: 0.01 }) });
    await writeFile(project.configFile, stringify(config));
    const fixed = await project.gantry(['run', '--until-idle'], { timeout: 120_000 });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(mergedTaskIds(await project.mainLog())).toHaveLength(2);
    expect((await listTasks(project)).map((t) => [t.state, t.attempts])).toEqual([['completed', 1], ['completed', 1]]);
  });
});
