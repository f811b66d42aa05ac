import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useProject } from '../helpers/e2e-project.ts';
import type { Project } from '../helpers/project-fixture.ts';

const newProject = useProject();

interface Event {
  type: string;
  ts: string;
  task?: string;
  until?: string;
}

async function journal(project: Project): Promise<Event[]> {
  const run = await project.run();
  if (!run) return [];
  const text = await readFile(join(project.dir, 'state', 'runs', run, 'journal.jsonl'), 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event);
}

async function untilEvent(project: Project, type: string, timeoutMs = 120_000): Promise<Event> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = (await journal(project)).find((event) => event.type === type);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no ${type} in the journal after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * `hold` leases notes/papa.txt, works a while on its own note, then gives the
 * lease back (`hold release`) or lets it lapse (`hold lapse`); `note NAME`
 * writes its note.
 */
const LEASING_AGENT = [
  'set -eu',
  'verb="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f1)"',
  'how="$(sed -n 3p "$GANTRY_TASK_FILE" | cut -d" " -f2)"',
  'mkdir -p notes',
  'if [ "$verb" = hold ]; then',
  '  if [ "$how" = lapse ]; then gantry-agent lease notes/papa.txt --ttl 6; else gantry-agent lease notes/papa.txt --ttl 10m; fi',
  '  echo hold > notes/hold.txt && git add notes && git commit -qm "note hold"',
  '  sleep 10',
  '  if [ "$how" = release ]; then gantry-agent release; fi',
  '  sleep 20',
  '  gantry-agent done; exit 0',
  'fi',
  'echo "$how" > "notes/$how.txt" && git add notes && git commit -qm "note $how" && gantry-agent done',
].join('\n');

const at = (event: Event | undefined) => Date.parse(event?.ts ?? '');

describe('gantry run: file leases', () => {
  it.each([
    ['released', 'release'],
    ['lapses', 'lapse'],
  ])('when a session leases a file, a task that declares it starts only after the lease is %s', { timeout: 240_000 }, async (_, how) => {
    const project = await newProject({ concurrency: 2, roles: { overlap: 'run' }, agentCommand: LEASING_AGENT, sessionTimeoutMs: 90_000 });
    expect((await project.gantry(['task', 'add', `hold ${how}`])).exitCode).toBe(0);
    const running = project.gantry(['run', '--until-idle'], { timeout: 200_000 });
    const taken = await untilEvent(project, 'lease.taken');
    const added = await project.gantry(['task', 'add', 'note papa', '--files', 'notes/papa.txt']);
    expect(added.exitCode, added.stderr).toBe(0);
    const papa = added.stdout.trim().split(' ').pop();
    const run = await running;
    expect(run.exitCode, run.stderr).toBe(0);

    const events = await journal(project);
    const queued = events.find((e) => e.type === 'task.queued' && e.task === papa);
    const started = events.find((e) => e.type === 'attempt.started' && e.task === papa);
    expect(events.filter((e) => e.type === 'task.merged'), JSON.stringify(events.map((e) => [e.type, e.task, (e as { reason?: string }).reason]))).toHaveLength(2);
    expect(at(queued)).toBeGreaterThanOrEqual(at(taken));
    if (how === 'release') {
      const released = events.find((e) => e.type === 'lease.released');
      expect(at(started)).toBeGreaterThan(at(released));
    } else {
      expect(events.some((e) => e.type === 'lease.released')).toBe(false);
      expect(at(started)).toBeGreaterThanOrEqual(Date.parse(taken.until ?? ''));
    }
    // Held back by the lease, not by the holder's end: papa started while hold still ran.
    const holdMerged = events.find((e) => e.type === 'task.merged' && e.task !== papa);
    expect(at(started)).toBeLessThan(at(holdMerged));
  });
});
