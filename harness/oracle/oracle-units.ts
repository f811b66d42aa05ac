import { glob } from 'node:fs/promises';
import type { OracleConfig } from '../config/types.ts';
import { shellQuote } from '../gate/shell-quote.ts';
import { scriptWithEnv } from './mix-script.ts';
import { OracleError } from './oracle-error.ts';
import { exitReason, type ScriptRunner } from './probe-runner.ts';

/**
 * The units of main, from `oracle.units`: a glob over the exported tree, the
 * list as written, or what a command prints when run on main in a probe
 * container (it is the repository's code, so it runs where the builds do).
 */

export interface UnitSource {
  oracle: OracleConfig;
  /** Main's exported tree. */
  tree: string;
  runner: ScriptRunner;
  commit: string;
}

export async function listUnits(source: UnitSource): Promise<string[]> {
  const { units } = source.oracle;
  const listed = units.list ?? (units.glob !== undefined ? await globUnits(source.tree, units.glob) : await commandUnits(source, units.command ?? ''));
  const where = units.glob !== undefined ? `glob ${units.glob}` : units.list !== undefined ? 'list' : `command \`${units.command}\``;
  if (listed.length === 0) {
    throw new OracleError('ORACLE_INVALID', `oracle.units (${where}) gave no units on main at ${source.commit.slice(0, 12)}: fix the ${units.glob !== undefined ? 'glob (it is matched against the repository root)' : 'units'}`);
  }
  return [...new Set(listed)];
}

async function globUnits(tree: string, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of glob(pattern, { cwd: tree, withFileTypes: true })) {
    if (entry.isFile()) found.push(relativeTo(tree, `${entry.parentPath}/${entry.name}`));
  }
  return found.sort();
}

function relativeTo(root: string, path: string): string {
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

async function commandUnits(source: UnitSource, command: string): Promise<string[]> {
  const script = scriptWithEnv(source.oracle, `sh -c ${shellQuote(command)} > "$GANTRY_OUTPUT"`);
  const result = await source.runner.run(script, { timeoutMs: source.oracle.timeouts.buildMs });
  if (!result.passed) {
    throw new OracleError('ORACLE_INVALID', `oracle.units.command \`${command}\` failed on main at ${source.commit.slice(0, 12)} (${exitReason(result.exit)}): run it in the repository root and fix it\n${result.tail}`);
  }
  return result.output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
