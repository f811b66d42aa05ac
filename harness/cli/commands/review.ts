import type { Command } from 'commander';
import { GantryError } from '../../errors.ts';
import { TaskLedger } from '../../queue/index.ts';
import { openContext } from '../context.ts';

export function registerReview(program: Command, configFile: () => string): void {
  const review = program.command('review').description('Decide on branches the gate held because they change trusted tests');
  review
    .command('approve')
    .description('Let the held branch of a task through the test-change check and queue the task again')
    .argument('<task-id>', 'the task whose branch was held')
    .action(async (taskId: string) => {
      const context = await openContext(configFile());
      try {
        const ledger = new TaskLedger(context.redis, context.config.queue.prefix);
        const head = await ledger.held(taskId);
        if (!head) throw new GantryError('TASK_INVALID', `task ${taskId} has no branch held for review: see gantry task list`);
        await ledger.approve(taskId, head);
        const requeued = await context.queue.retry(taskId);
        process.stdout.write(`approved ${head.slice(0, 10)} of ${taskId}${requeued ? '; queued again' : ''}\n`);
      } finally {
        await context.close();
      }
    });
}
