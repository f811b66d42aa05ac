// Task sources: where a role's tasks come from besides `gantry task add`:
// failing tests on main, a duplicate detector, the project's benchmark, a
// review of the last merges, documents that name changed code. Each looks at
// main when it moves and queues one task per subject.
export { findDuplicates, type Duplicate, type Place, type SourceFile } from './find-duplicates.ts';
export { TaskSourceSchema, type TaskSource, type TaskSourceKind } from './source-schema.ts';
export { TaskSources, type TaskSourcesDeps } from './task-sources.ts';
export type { CommandOutcome, SourceInput, SourceOutput } from './types.ts';
