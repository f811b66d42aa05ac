// The container runtime: the port the controller and the gate run containers
// through, its Docker adapter, an in-memory fake for unit tests, the labels
// every container carries, and the reaper that removes leftovers by them.
export type { ContainerExit, ContainerRuntime, ContainerSpec, ContainerSummary, ContainerUsage, ContainerWatch, Mount, RunOptions } from './container-runtime.ts';
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { FakeRuntime, type ContainerScript, type FakeRuntimeOptions, type ScriptedOutcome } from './fake-runtime.ts';
export { LABEL, gantryLabels, ownerSelector, runSelector, type LabelInput } from './labels.ts';
export { reapOrphans, reapOwn, reapTask, type ReapOptions } from './reaper.ts';
export { REDACTED, secretValues } from './redacting-stream.ts';
