import type { z } from 'zod';
import { malformed } from './malformed.ts';
import type { ResultFormat } from './types.ts';

/** Parses JSON and checks its shape, naming the first bad field on failure. */
export function readJson<T>(format: ResultFormat, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(format, `not JSON (${(error as Error).message})`, error);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((issue) => {
    const at = issue.path.length === 0 ? '(document)' : issue.path.join('.');
    return `${at}: ${issue.message}`;
  });
  throw malformed(format, issues.join('; '), parsed.error);
}
