export { Controller } from './controller.ts';
export type { ControllerDeps, ControllerState } from './controller.ts';
export { currentRun } from './run-id.ts';
export { createTaskRunner } from './task-runner.ts';
export type { TaskRunnerDeps } from './task-runner.ts';
