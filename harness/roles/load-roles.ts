import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath, readYamlFile, type FileKind } from '../config/yaml-file.ts';
import { RoleSchema, type RoleFile } from './role-schema.ts';
import { sharedFile } from './scope-overlap.ts';
import type { Role } from './types.ts';

/** gantry's own roles: core, dedup, perf, critic, docs. */
export const BUILT_IN_ROLES_DIR = fileURLToPath(new URL('../../roles/', import.meta.url));

const ROLE_FILE: FileKind = { noun: 'role file', whenMissing: 'check roles.dir in gantry.yaml' };
const ROLE_FILE_PATTERN = /\.ya?ml$/;

/** gantry.yaml's `agent`, which a role's `agent` fields override. */
export interface DefaultAgent {
  command?: string | undefined;
  price?: unknown;
}

export interface RolesRead {
  roles: Record<string, Role>;
  /** Each as `file:line field: message`; any issue means the roles cannot be used. */
  issues: string[];
  warnings: string[];
}

/**
 * The built-in roles, then the project's (`dir`), each file validated; a
 * project file replaces the built-in role of the same name. Every problem in
 * every file is collected, so one run shows all there is to fix.
 */
export async function readRoles(dir: string | undefined, agent: DefaultAgent): Promise<RolesRead> {
  const builtIn = await readRoleDir(BUILT_IN_ROLES_DIR, true, agent);
  const project = dir === undefined ? { roles: {}, issues: [], warnings: [] } : await readRoleDir(dir, false, agent);
  const roles = { ...builtIn.roles, ...project.roles };
  return {
    roles,
    issues: [...builtIn.issues, ...project.issues],
    warnings: [...builtIn.warnings, ...project.warnings, ...overlapWarnings(Object.values(roles))],
  };
}

async function readRoleDir(dir: string, builtIn: boolean, agent: DefaultAgent): Promise<RolesRead> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => ROLE_FILE_PATTERN.test(name)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { roles: {}, issues: [`${displayPath(dir)}: cannot read the role folder (${code ?? String(error)}): create it or fix roles.dir in gantry.yaml`], warnings: [] };
  }
  const result: RolesRead = { roles: {}, issues: [], warnings: [] };
  for (const name of names) {
    const file = path.join(dir, name);
    const read = await readYamlFile(file, RoleSchema, ROLE_FILE);
    result.warnings.push(...read.warnings);
    if (read.value === undefined) {
      result.issues.push(...read.issues);
      continue;
    }
    const expected = name.replace(ROLE_FILE_PATTERN, '');
    const problems = ruleProblems(read.value, expected, result.roles[read.value.name], agent);
    if (problems.length > 0) {
      result.issues.push(...problems.map(([field, message]) => read.file.locate(field, message).text));
      continue;
    }
    result.roles[read.value.name] = toRole(read.value, file, builtIn);
  }
  return result;
}

/** Checks one field cannot make alone: the name against the file's, and the agent fields with gantry.yaml's. */
function ruleProblems(role: RoleFile, expected: string, sameName: Role | undefined, agent: DefaultAgent): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  if (role.agent.kind === 'command' && role.agent.command === undefined && agent.command === undefined) {
    problems.push([['agent', 'kind'], 'kind command needs a command, and gantry.yaml\'s agent has none: add agent.command to this role, e.g. `sh ./scripts/agent.sh`']);
  }
  if (role.agent.kind === 'codex' && agent.price === undefined) {
    problems.push([['agent', 'kind'], 'kind codex needs the model\'s prices, which gantry.yaml\'s agent.price gives: add agent.price there']);
  }
  if (role.name !== expected) problems.push([['name'], `"${role.name}" does not match the file name: rename the file to ${role.name}.yaml or set name: ${expected}`]);
  if (sameName) problems.push([['name'], `role ${role.name} is already defined in ${displayPath(sameName.file)}: keep one of the two files`]);
  if (role.agent.command !== undefined && role.agent.kind !== undefined && role.agent.kind !== 'command') {
    problems.push([['agent', 'command'], `is only read for agent.kind command, and this role sets kind ${role.agent.kind}: remove agent.command or set kind: command`]);
  }
  return problems;
}

function toRole(file: RoleFile, absolute: string, builtIn: boolean): Role {
  const { agent, limits } = file;
  return {
    name: file.name,
    ...(file.description === undefined ? {} : { description: file.description }),
    ...(file.count === undefined ? {} : { count: file.count }),
    priority: file.priority,
    prompt: file.prompt.trim(),
    agent: {
      ...(agent.kind === undefined ? {} : { kind: agent.kind }),
      ...(agent.image === undefined ? {} : { image: agent.image }),
      ...(agent.model === undefined ? {} : { model: agent.model }),
      ...(agent.command === undefined ? {} : { command: agent.command }),
    },
    scope: { owns: file.scope.owns, avoid: file.scope.avoid },
    limits: {
      ...(limits.sessions === undefined ? {} : { sessions: limits.sessions }),
      ...(limits.minutes === undefined ? {} : { minutes: limits.minutes }),
      ...(limits.dollars === undefined ? {} : { dollars: limits.dollars }),
    },
    ...(file.source === undefined ? {} : { source: file.source }),
    file: absolute,
    builtIn,
  };
}

/** Two running roles that own the same files will collide on them: worth a warning, not a refusal. */
function overlapWarnings(roles: readonly Role[]): string[] {
  const active = roles.filter((role) => role.count !== 0);
  const warnings: string[] = [];
  for (const [i, a] of active.entries()) {
    for (const b of active.slice(i + 1)) {
      const file = sharedFile(a.scope, b.scope);
      if (file !== undefined) {
        warnings.push(`roles ${a.name} (${displayPath(a.file)}) and ${b.name} (${displayPath(b.file)}) both own files such as ${file}: their branches may conflict; narrow one role's scope.owns or add the other's to its scope.avoid`);
      }
    }
  }
  return warnings;
}
