/**
 * Specialist roles (docs/roles.md): role files, the settings a role's tasks
 * run with, and the files each role may change.
 *
 *   const { roles, issues, warnings } = await readRoles('./roles', config.agent);
 *   const roleConfig = configForRole(config, roleNamed(config, task.role));
 */
export { BUILT_IN_ROLES_DIR, readRoles } from './load-roles.ts';
export type { RolesRead } from './load-roles.ts';
export { configForRole, roleNamed } from './role-config.ts';
export { RoleSchema } from './role-schema.ts';
export { outOfScope } from './scope-check.ts';
export { sharedFile, sharedPath } from './scope-overlap.ts';
export type { Role, RoleSettings } from './types.ts';
