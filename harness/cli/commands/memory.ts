import { Option, type Command } from 'commander';
import { GantryError } from '../../errors.ts';
import { entryLine, matches, MEMORY_KINDS, MemoryStore, type MemoryEntry, type MemoryKind } from '../../memory/index.ts';
import { openContext } from '../context.ts';

const STREAM_ID = /^\d+-\d+$/;

interface ListOptions {
  kind?: MemoryKind;
  task?: string;
  json?: boolean;
}

/** Entries as lines, or as JSON with --json. */
function print(entries: readonly MemoryEntry[], json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else for (const entry of entries) process.stdout.write(`${entryLine(entry)}\n`);
}

/** Opens the run's memory, runs `use` on it, closes the connection. */
async function withMemory<T>(configFile: string, use: (store: MemoryStore) => Promise<T>): Promise<T> {
  const context = await openContext(configFile);
  try {
    return await use(new MemoryStore(context.redis, context.config.queue.prefix));
  } finally {
    await context.close();
  }
}

export function registerMemory(program: Command, configFile: () => string): void {
  const memory = program.command('memory').description('Read what agent sessions recorded: decisions, lessons, handoffs, notes, messages, done summaries');
  const filters = (command: Command) => command
    .addOption(new Option('--kind <kind>', 'only entries of this kind').choices(MEMORY_KINDS))
    .option('--task <id>', 'only entries written by this task')
    .option('--json', 'print JSON');

  filters(memory.command('list').description('Every entry, oldest first'))
    .action(async (options: ListOptions) => {
      await withMemory(configFile(), async (store) => print(await store.list(options), options.json));
    });

  filters(memory.command('search').description('Entries whose text, reason, author, recipient or files contain TEXT (any case)').argument('<text>', 'what to look for'))
    .action(async (text: string, options: ListOptions) => {
      await withMemory(configFile(), async (store) => print((await store.list(options)).filter((entry) => matches(entry, text)), options.json));
    });

  memory.command('show').description('One entry, whole, as JSON').argument('<id>', 'the entry id, as list prints it (e.g. 1764000000000-0)')
    .action(async (id: string) => {
      if (!STREAM_ID.test(id)) throw new GantryError('TASK_INVALID', `${JSON.stringify(id)} is not a memory entry id: ids look like 1764000000000-0 (see gantry memory list)`);
      const entry = await withMemory(configFile(), (store) => store.get(id));
      if (!entry) throw new GantryError('TASK_INVALID', `no memory entry ${id}: see gantry memory list`);
      process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
    });
}
