import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTasks } from '../helpers/e2e-project.ts';
import { realAgent, useRealAgents } from '../helpers/real-agents.ts';
import { eventsOf, journalOf } from '../helpers/reporting-agents.ts';

const agents = useRealAgents();

const DECISION = 'notes hold their own name and nothing else';

/**
 * The same script serves every session: record a decision with the MCP tool,
 * then, only when the brief already holds that decision (a later session),
 * write the note, commit it and declare done.
 */
const SCRIPT = [
  { tool: 'mcp__gantry__decide', input: { text: DECISION, why: 'the suite compares them' } },
  {
    tool: 'Bash',
    input: {
      command: `if grep -q "${DECISION}" "$GANTRY_TASK_FILE"; then mkdir -p notes && printf "%s\\n" "$GANTRY_TASK_ID" > "notes/$GANTRY_TASK_ID.txt" && git add notes && git commit -qm "note $GANTRY_TASK_ID" && gantry-agent done --summary "note written"; else echo "first session: decision recorded"; fi`,
    },
  },
  { text: 'Session over.' },
];

describe('Claude Code with the gantry MCP tools', () => {
  it('when the real CLI calls mcp__gantry__decide in session 1, the decision is in the brief of session 2, which then finishes the task', { timeout: 240_000 }, async () => {
    const model = await agents.model('anthropic', SCRIPT);
    const project = await agents.project({ ...realAgent('anthropic', model, 'sk-ant-scripted'), sessions: 2, retries: 0 });
    const [task = ''] = await addTasks(project, ['write a note the way earlier sessions decided']);
    const run = await project.gantry(['run', '--until-idle'], { timeout: 200_000 });
    expect(run.exitCode, run.stderr).toBe(0);

    const runId = (await project.run()) ?? '';
    const attemptDir = join(project.dir, 'state', 'runs', runId, 'tasks', task, 'attempt-1');
    expect(await readFile(join(attemptDir, 'brief-1.md'), 'utf8')).not.toContain(DECISION);
    expect(await readFile(join(attemptDir, 'brief-2.md'), 'utf8')).toContain(`- decision by task ${task} (core): ${DECISION} (why: the suite compares them)`);
    const events = await journalOf(project);
    expect(eventsOf(events, 'memory.recorded').filter((e) => e.task === task).map((e) => e.kind)).toEqual(['decision', 'decision', 'summary']);
    expect(eventsOf(events, 'task.merged').map((e) => e.task)).toEqual([task]);
    // The tool answered as a tool: its result went back to the model without an error.
    const requests = await model.requests();
    const toolResult = JSON.stringify(requests.find((request) => request.step === 1)?.body ?? {});
    expect(toolResult).toMatch(/recorded decision \d+-\d+/);
    expect(toolResult).not.toContain('"is_error":true');
  });
});
