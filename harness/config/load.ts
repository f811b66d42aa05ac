import path from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { readRoles } from '../roles/load-roles.ts';
import { normalize } from './normalize.ts';
import { checkRules } from './rules.ts';
import { ConfigSchema } from './schema.ts';
import type { GantryConfig } from './types.ts';
import { inFileOrder, readYamlFile, type FileKind, type Located } from './yaml-file.ts';

const CONFIG_FILE: FileKind = { noun: 'config file', whenMissing: 'create it (see docs/configuration.md) or pass --config' };

/**
 * Reads gantry.yaml in three steps: the YAML and the schema (shape), then
 * normalization (paths, bytes, ms), then rules that need context. Every
 * problem is collected, each as `file:line path: message`, so one run shows
 * a person all there is to fix.
 */

export interface CheckOptions {
  /** Where REDIS_URL is read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Also check that repo.url answers `git ls-remote` (network or disk access). */
  probeRepo?: boolean;
}

export interface CheckResult {
  /** Set only when there are no issues. */
  config?: GantryConfig;
  issues: string[];
  /** Worth knowing, never blocking. */
  warnings: string[];
}

export async function loadConfig(file: string, options: { env?: NodeJS.ProcessEnv; logger?: Logger } = {}): Promise<GantryConfig> {
  const result = await checkConfig(file, options.env === undefined ? {} : { env: options.env });
  for (const warning of result.warnings) options.logger?.warn({ file }, warning);
  if (result.config === undefined) throw new ConfigError(result.issues);
  return result.config;
}

/** Like loadConfig, but returns the issues instead of throwing; throws only when the file cannot be read. */
export async function checkConfig(file: string, options: CheckOptions = {}): Promise<CheckResult> {
  const absolute = path.resolve(file);
  const read = await readYamlFile(absolute, ConfigSchema, CONFIG_FILE);
  if (read.value === undefined) return { issues: read.issues, warnings: read.warnings };
  const { locate } = read.file;
  const roleDir = read.value.roles.dir === undefined ? undefined : path.resolve(path.dirname(absolute), read.value.roles.dir);
  const roles = await readRoles(roleDir, read.value.agent);
  const config = normalize(read.value, absolute, options.env ?? process.env, roles.roles);
  const issues: Located[] = [];
  const ruleWarnings: Located[] = [];
  await checkRules(config, {
    issue: (fieldPath, message) => issues.push(locate(fieldPath, message)),
    warning: (fieldPath, message) => ruleWarnings.push(locate(fieldPath, message)),
  }, { probeRepo: options.probeRepo ?? false });
  // The role files' own problems come after gantry.yaml's, each naming its file.
  const allIssues = [...inFileOrder(issues), ...roles.issues];
  const warnings = [...read.warnings, ...inFileOrder(ruleWarnings), ...roles.warnings];
  return allIssues.length > 0 ? { issues: allIssues, warnings } : { config, issues: [], warnings };
}
