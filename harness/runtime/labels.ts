import { readFileSync } from 'node:fs';

/** Every container, network and volume gantry makes carries these labels. */
export const LABEL = {
  managed: 'gantry',
  run: 'gantry.run',
  task: 'gantry.task',
  role: 'gantry.role',
  version: 'gantry.version',
  purpose: 'gantry.purpose',
  /** The process that made the container (its controller id); set by DockerRuntime, read by the reaper. */
  owner: 'gantry.owner',
} as const;

const version: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface LabelInput {
  run: string;
  task?: string;
  role?: string;
  /** 'session' for agent sessions, 'gate' for test runs. */
  purpose?: string;
}

export function gantryLabels(input: LabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.run]: input.run,
    [LABEL.version]: version,
  };
  if (input.task !== undefined) labels[LABEL.task] = input.task;
  if (input.role !== undefined) labels[LABEL.role] = input.role;
  if (input.purpose !== undefined) labels[LABEL.purpose] = input.purpose;
  return labels;
}

/** The selector for everything one run made. */
export function runSelector(run: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.run]: run };
}

/** The selector for what one process made in one run. */
export function ownerSelector(run: string, owner: string): Record<string, string> {
  return { ...runSelector(run), [LABEL.owner]: owner };
}
