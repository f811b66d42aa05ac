export { Controller } from './controller.ts';
export type { ControllerDeps, ControllerState } from './controller.ts';
export { ControllerRegistry, newControllerId, type ControllerRegistryOptions } from './controller-registry.ts';
export { BudgetGuard, budgetMessage, type Admission, type BudgetReached, type Reservation, type Spend, type SpendScope } from './budget-guard.ts';
export { DiskSpace } from './disk-space.ts';
export { unfinishedWork, type IdleOutcome } from './parked-work.ts';
export { currentRun } from './run-id.ts';
export { createTaskRunner } from './task-runner.ts';
export type { TaskRunnerDeps } from './task-runner.ts';
