import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigError, messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { lineOf } from './locate.ts';
import { formatPath, problemsOf, type FieldPath } from './messages.ts';
import { normalize } from './normalize.ts';
import { checkRules } from './rules.ts';
import { ConfigSchema } from './schema.ts';
import type { GantryConfig } from './types.ts';

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
  const shown = displayPath(absolute);
  const lineCounter = new LineCounter();
  const doc = parseDocument(await readConfigText(absolute, shown), { lineCounter, prettyErrors: false });
  const yamlLine = (error: YAMLError) => lineCounter.linePos(error.pos[0]).line;
  const warnings = doc.warnings.map((warning) => `${shown}:${yamlLine(warning)}: ${warning.message}`);
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => `${shown}:${yamlLine(error)}: invalid YAML: ${error.message}; check the indentation, quotes and colons on and around that line`);
    return { issues, warnings };
  }

  const format = (fieldPath: FieldPath, message: string): Located => {
    const line = lineOf(doc, lineCounter, fieldPath);
    return { line, text: `${shown}:${line} ${formatPath(fieldPath)}: ${message}` };
  };

  const data = toPlainData(doc);
  if (data.error !== undefined) return { issues: [`${shown}:1: invalid YAML: ${data.error}`], warnings };
  const parsed = ConfigSchema.safeParse(data.value, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(problemsOf).map((problem) => format(problem.path, problem.message));
    return { issues: inFileOrder(problems), warnings };
  }

  const config = normalize(parsed.data, absolute, options.env ?? process.env);
  const issues: Located[] = [];
  const ruleWarnings: Located[] = [];
  await checkRules(config, {
    issue: (fieldPath, message) => issues.push(format(fieldPath, message)),
    warning: (fieldPath, message) => ruleWarnings.push(format(fieldPath, message)),
  }, { probeRepo: options.probeRepo ?? false });
  const allWarnings = [...warnings, ...inFileOrder(ruleWarnings)];
  return issues.length > 0 ? { issues: inFileOrder(issues), warnings: allWarnings } : { config, issues: [], warnings: allWarnings };
}

async function readConfigText(absolute: string, shown: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError([`config file ${shown} not found: create it (see docs/configuration.md) or pass --config`], 'CONFIG_NOT_FOUND');
    }
    throw new ConfigError([`cannot read config file ${shown}: ${messageOf(error)}; check that it is a readable file`]);
  }
}

/** Aliases can still fail here (an alias bomb is cut off), after parsing succeeded. */
function toPlainData(doc: Document): { value: unknown; error?: string } {
  try {
    return { value: doc.toJS() };
  } catch (error) {
    return { value: undefined, error: messageOf(error) };
  }
}

/** Inside the working directory: relative, as a person would type it; elsewhere absolute. */
function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  const outside = relative === '' || relative.split(path.sep)[0] === '..' || path.isAbsolute(relative);
  return outside ? absolute : relative;
}

/** A message and the line it is about, so messages can be listed in the order of the file. */
interface Located {
  line: number;
  text: string;
}

function inFileOrder(located: readonly Located[]): string[] {
  return [...located].sort((a, b) => a.line - b.line).map((entry) => entry.text);
}
