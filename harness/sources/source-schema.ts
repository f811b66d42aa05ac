import { z } from 'zod';

/**
 * A role file's `source`: where the role's tasks come from besides
 * `gantry task add` and the oracle. Each kind looks at main and queues
 * deduplicated tasks (one open task per subject); it runs when gantry.yaml's
 * `roles.sources` names the role.
 */

const everyMerges = (fallback: number) =>
  z.number().int().min(1).max(10_000).default(fallback).describe('Runs once main has taken this many merges since the last run (and once when the controller first starts on the project).');

const globs = (what: string, fallback: string[]) => z.array(z.string().min(1)).default(fallback).describe(what).meta({ examples: [fallback] });

export const FailingTestsSourceSchema = z
  .object({
    kind: z.literal('failing-tests'),
    perFile: z.number().int().min(1).max(1_000).default(3).describe('When more tests than this fail in one file, the file gets one task instead of one per test.'),
  })
  .strict()
  .describe('The full suite\'s results on main (the gate\'s own run when it has one): one task per failing test, or per file when many fail in it; a task not yet started is closed once its tests pass on main.');

export const DuplicatesSourceSchema = z
  .object({
    kind: z.literal('duplicates'),
    everyMerges: everyMerges(10),
    minLines: z.number().int().min(2).max(500).default(6).describe('Shortest run of equal lines (blank lines and spacing ignored) that counts as duplicated code.'),
    files: globs('Files searched for duplicates, within the role\'s scope.', ['**']),
    maxTasks: z.number().int().min(1).max(100).default(5).describe('Most tasks one run makes, the largest duplicates first.'),
  })
  .strict()
  .describe('A duplicate detector over main\'s files: one task per duplicated block, naming every place it appears.');

export const BenchmarkSourceSchema = z
  .object({
    kind: z.literal('benchmark'),
    everyMerges: everyMerges(10),
    command: z.string().min(1).describe('Shell command run on main in the gate\'s container; its last line of output that is a JSON object of numbers is the measurement (lower is better).').meta({ examples: ['node bench/run.js --json'] }),
    threshold: z.number().positive().max(10).default(0.1).describe('A number that grew by more than this fraction since the last run is a regression (0.1 = 10 %).'),
  })
  .strict()
  .describe('The project\'s benchmark on main: one task per measurement that regressed against the last run.');

export const ReviewSourceSchema = z
  .object({
    kind: z.literal('review'),
    everyMerges: everyMerges(5),
    command: z.string().min(1).optional().describe('A reviewing command run on main in the gate\'s container, with GANTRY_REVIEW_FILES set to the files the merges changed (one per line); every line it prints as `file:line: message` is a finding and becomes a task. Without it, one task reviews the merges.').meta({ examples: ['npx eslint --format unix $GANTRY_REVIEW_FILES'] }),
  })
  .strict()
  .describe('A review of the merges since the last run: a task per finding of `command`, or one task naming the merges and their files.');

export const StaleDocsSourceSchema = z
  .object({
    kind: z.literal('stale-docs'),
    everyMerges: everyMerges(1),
    docs: globs('The documentation files, within the role\'s scope.', ['**/*.md', 'docs/**']),
  })
  .strict()
  .describe('Documentation that names code the last merges changed (its path, or its file name without the extension): one task per such document.');

export const TaskSourceSchema = z
  .discriminatedUnion('kind', [FailingTestsSourceSchema, DuplicatesSourceSchema, BenchmarkSourceSchema, ReviewSourceSchema, StaleDocsSourceSchema])
  .describe('Where this role\'s tasks come from besides `gantry task add` (run when gantry.yaml\'s `roles.sources` names the role): `failing-tests`, `duplicates`, `benchmark`, `review` or `stale-docs`.');

export type TaskSource = z.output<typeof TaskSourceSchema>;
export type TaskSourceKind = TaskSource['kind'];
export type FailingTestsSource = z.output<typeof FailingTestsSourceSchema>;
export type DuplicatesSource = z.output<typeof DuplicatesSourceSchema>;
export type BenchmarkSource = z.output<typeof BenchmarkSourceSchema>;
export type ReviewSource = z.output<typeof ReviewSourceSchema>;
export type StaleDocsSource = z.output<typeof StaleDocsSourceSchema>;
