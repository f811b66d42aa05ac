import { join } from 'node:path';
import { readJournal, type JournalEvent } from '../../harness/reports/index.ts';
import type { Project } from './project-fixture.ts';

/** gantry's result line, as a shell `echo` of one JSON line. */
export function resultLine(fields: Record<string, unknown>): string {
  return `echo '${JSON.stringify({ type: 'gantry.result', provider: 'anthropic', ...fields })}'`;
}

/**
 * A command agent for tasks "<verb> <name>": the body of the demo agent's
 * `note` (write notes/NAME.txt, commit, declare done), then `after`. `before`
 * runs first and may end the session (`exit`) before any work.
 */
export function noteAgent(options: { before?: string; after?: string }): string {
  return [
    'set -eu',
    'set -- $(sed -n 3p "$GANTRY_TASK_FILE")',
    'verb="$1"; name="$2"',
    options.before ?? ':',
    'mkdir -p notes',
    `printf '%s\\n' "$name" > "notes/$name.txt"`,
    'git add notes',
    'git diff --cached --quiet || git commit -qm "note $name"',
    'gantry-agent done --summary "wrote notes/$name.txt"',
    options.after ?? ':',
  ].join('\n');
}

/** The current run's journal of a fixture project. */
export async function journalOf(project: Project): Promise<JournalEvent[]> {
  const run = await project.run();
  if (!run) throw new Error('the project has no run yet');
  return readJournal(join(project.dir, 'state', 'runs', run, 'journal.jsonl'));
}

/** Events of one type, typed. */
export function eventsOf<T extends JournalEvent['type']>(events: readonly JournalEvent[], type: T): Array<Extract<JournalEvent, { type: T }>> {
  return events.filter((event): event is Extract<JournalEvent, { type: T }> => event.type === type);
}
