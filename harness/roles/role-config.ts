import type { GantryConfig } from '../config/types.ts';
import { GantryError } from '../errors.ts';
import type { Role } from './types.ts';

/** The role a task names; TASK_INVALID (not retryable) when no role file defines it. */
export function roleNamed(config: GantryConfig, name: string): Role {
  const role = config.roles.roles[name];
  if (role) return role;
  throw new GantryError('TASK_INVALID', `there is no role "${name}": the roles are ${Object.keys(config.roles.roles).sort().join(', ')}; add ${name}.yaml to roles.dir (gantry.yaml) or queue the task under one of them`);
}

/**
 * gantry.yaml as one role's tasks see it: the role's agent fields and limits
 * over the file's. Everything that runs a task reads this, so a role's
 * settings reach the sessions, the time limit and the task budget alike.
 */
export function configForRole(config: GantryConfig, role: Role): GantryConfig {
  const { agent, limits } = role;
  const kindChanged = agent.kind !== undefined && agent.kind !== config.agent.kind;
  return {
    ...config,
    agent: {
      ...config.agent,
      // A command or model written for another agent CLI does not carry over to this role's.
      ...(kindChanged ? { command: undefined, model: undefined } : {}),
      ...agent,
    },
    limits: {
      ...config.limits,
      ...(limits.sessions === undefined ? {} : { sessions: limits.sessions }),
      ...(limits.minutes === undefined ? {} : { taskTimeoutMs: Math.round(limits.minutes * 60_000) }),
    },
    budget: { ...config.budget, ...(limits.dollars === undefined ? {} : { perTask: limits.dollars }) },
  };
}
