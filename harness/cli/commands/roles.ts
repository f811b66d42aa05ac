import type { Command } from 'commander';
import { checkConfig } from '../../config/index.ts';
import { displayPath } from '../../config/yaml-file.ts';
import { ConfigError } from '../../errors.ts';
import type { Role } from '../../roles/index.ts';

/** `gantry roles list|check`: the roles a run would use, read the way `gantry run` reads them. */
export function registerRoles(program: Command, configFile: () => string): void {
  const roles = program.command('roles').description('List and check the specialist roles (built-in and roles.dir)');

  roles
    .command('list')
    .description('Each role: agents at once, priority, agent, files it owns, and its file')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = Object.values((await readOrThrow(configFile())).roles);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const rows = list.map((role) => [role.name, role.count === undefined ? 'any' : String(role.count), String(role.priority), role.agent.kind ?? '(gantry.yaml)', scopeText(role), from(role)]);
      process.stdout.write(table(['role', 'count', 'priority', 'agent', 'scope', 'file'], rows));
    });

  roles
    .command('check')
    .description('Validate every role file; print each problem as file:line field: message, and overlapping scopes as warnings')
    .action(async () => {
      const list = Object.values((await readOrThrow(configFile())).roles);
      process.stdout.write(`${list.length} roles ok: ${list.map((role) => role.name).join(', ')}\n`);
    });
}

async function readOrThrow(file: string): Promise<Record<'roles', Record<string, Role>>> {
  const result = await checkConfig(file);
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (result.issues.length > 0 || !result.config) throw new ConfigError(result.issues);
  return result.config.roles;
}

function scopeText(role: Role): string {
  const avoid = role.scope.avoid.length > 0 ? ` (not ${role.scope.avoid.join(' ')})` : '';
  return `${role.scope.owns.join(' ')}${avoid}`;
}

function from(role: Role): string {
  return role.builtIn ? 'built in' : displayPath(role.file);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
