export { mergeTask } from './merge-step.ts';
export type { MergeStepInput } from './merge-step.ts';
export { runTests } from './test-run.ts';
export type { TestRunInput, TestRunResult } from './test-run.ts';
