import type { Command } from 'commander';
import { currentRun } from '../../controller/index.ts';
import { GantryError } from '../../errors.ts';
import { FileJournal, journalPath } from '../../reports/index.ts';
import { roleNamed } from '../../roles/index.ts';
import { openContext } from '../context.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerTask(program: Command, configFile: () => string): void {
  const task = program.command('task').description('Queue and list tasks');

  task
    .command('add')
    .description('Queue a task (the same task twice is queued once)')
    .argument('<text>', 'what the agent should do')
    .option('--role <role>', 'role that works on it', 'core')
    .option('--files <glob...>', 'files the task is about', collect, [])
    .option('--acceptance <cmd>', 'command whose success shows the task is done')
    .option('--subject <key>', 'what the task is about, if not its text: a task of a subject another task (from any source) is working on waits for it, and one whose subject has merged is withdrawn')
    .action(async (text: string, options: { role: string; files: string[]; acceptance?: string; subject?: string }) => {
      if (text.trim() === '') throw new GantryError('TASK_INVALID', 'task text is empty: say what the agent should do, e.g. gantry task add "make test/sum.test.ts pass"');
      const context = await openContext(configFile());
      try {
        roleNamed(context.config, options.role);
        const { task: added, created } = await context.queue.add({
          text, role: options.role, files: options.files, source: 'manual',
          ...(options.acceptance ? { acceptance: options.acceptance } : {}),
          ...(options.subject ? { subject: options.subject } : {}),
        });
        if (created) {
          const run = await currentRun(context.redis, context.config.queue.prefix);
          await new FileJournal(journalPath(context.config.stateDir, run), run).append({ type: 'task.queued', task: added.id, role: added.role, text: added.text });
        }
        process.stdout.write(created ? `queued ${added.id}\n` : `already queued ${added.id}\n`);
      } finally {
        await context.close();
      }
    });

  task
    .command('list')
    .description('List every task and its state')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await openContext(configFile());
      try {
        const records = await context.queue.list();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
          return;
        }
        for (const record of records) {
          const extra = record.failedReason ? `  ${record.failedReason.split('\n')[0]}` : record.outcome ? `  ${record.outcome.commit.slice(0, 10)}` : '';
          process.stdout.write(`${record.task.id}  ${record.state.padEnd(9)}  ${record.task.role.padEnd(6)}  ${record.task.text.split('\n')[0]}${extra}\n`);
        }
      } finally {
        await context.close();
      }
    });
}
