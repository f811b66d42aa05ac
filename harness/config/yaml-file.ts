import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, messageOf } from '../errors.ts';
import { jsonSchemaOf } from './json-schema.ts';
import { lineOf } from './locate.ts';
import { formatPath, problemsOf, type FieldPath } from './messages.ts';

/**
 * A YAML file a person edits (gantry.yaml, a role file), read so that every
 * problem can be told as `file:line path: message`: the parsed document keeps
 * the line of each field.
 */

/** A message and the line it is about, so messages can be listed in the order of the file. */
export interface Located {
  line: number;
  text: string;
}

export interface YamlFile {
  /** The path as a person would type it. */
  shown: string;
  /** `file:line path: message` for the field at `path`. */
  locate(path: FieldPath, message: string): Located;
}

/** How messages name the file: "config file", and what to do when it is missing. */
export interface FileKind {
  noun: string;
  whenMissing: string;
}

export type YamlRead<T> =
  | { file: YamlFile; value: T; issues: []; warnings: string[] }
  | { file?: YamlFile; value?: undefined; issues: string[]; warnings: string[] };

/**
 * Reads `absolute` and validates it with `schema`. Throws only when the file
 * cannot be read; every other problem is returned, in the order of the file.
 */
export async function readYamlFile<S extends z.ZodType>(absolute: string, schema: S, what: FileKind): Promise<YamlRead<z.output<S>>> {
  const shown = displayPath(absolute);
  const lineCounter = new LineCounter();
  const doc = parseDocument(await readText(absolute, shown, what), { lineCounter, prettyErrors: false });
  const yamlLine = (error: YAMLError) => lineCounter.linePos(error.pos[0]).line;
  const warnings = doc.warnings.map((warning) => `${shown}:${yamlLine(warning)}: ${warning.message}`);
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => `${shown}:${yamlLine(error)}: invalid YAML: ${error.message}; check the indentation, quotes and colons on and around that line`);
    return { issues, warnings };
  }
  const file: YamlFile = {
    shown,
    locate: (fieldPath, message) => {
      const line = lineOf(doc, lineCounter, fieldPath);
      return { line, text: `${shown}:${line} ${formatPath(fieldPath)}: ${message}` };
    },
  };
  const data = toPlainData(doc);
  if (data.error !== undefined) return { file, issues: [`${shown}:1: invalid YAML: ${data.error}`], warnings };
  const parsed = schema.safeParse(data.value, { reportInput: true });
  if (!parsed.success) {
    const root = jsonSchemaOf(schema);
    const problems = parsed.error.issues.flatMap((issue) => problemsOf(issue, root)).map((problem) => file.locate(problem.path, problem.message));
    return { file, issues: inFileOrder(problems), warnings };
  }
  return { file, value: parsed.data, issues: [], warnings };
}

export function inFileOrder(located: readonly Located[]): string[] {
  return [...located].sort((a, b) => a.line - b.line).map((entry) => entry.text);
}

/** Inside the working directory: relative, as a person would type it; elsewhere absolute. */
export function displayPath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  const outside = relative === '' || relative.split(path.sep)[0] === '..' || path.isAbsolute(relative);
  return outside ? absolute : relative;
}

async function readText(absolute: string, shown: string, what: FileKind): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError([`${what.noun} ${shown} not found: ${what.whenMissing}`], 'CONFIG_NOT_FOUND');
    }
    throw new ConfigError([`cannot read ${what.noun} ${shown}: ${messageOf(error)}; check that it is a readable file`]);
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
