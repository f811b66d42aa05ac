export { gateBatch } from './batch.ts';
export type { BatchOps, BatchResult, Combined, Rejection, TestVerdict } from './batch.ts';
export { MergeQueue } from './merge-queue.ts';
export type { MergeQueueDeps, MergeRequest } from './merge-queue.ts';
export { runTests } from './test-run.ts';
export type { TestRunInput, TestRunResult } from './test-run.ts';
