import { z } from 'zod';
import { repoRelative } from './files.ts';
import { readJson } from './json-text.ts';
import { testId } from './types.ts';
import type { SuiteRun } from './types.ts';

/**
 * gantry's own results format, for runners without an adapter: a small script
 * turns their report into this. ci/formats/gantry.schema.json is generated
 * from it (`node harness/gate/results/write-schema.ts`).
 */
export const gantryResultsSchema = z
  .object({
    tests: z
      .array(
        z
          .object({
            file: z.string().min(1).describe('Test file, repository-relative (absolute paths are made relative to the run directory).'),
            path: z.array(z.string()).describe('Enclosing describe blocks, outermost first; [] for a top-level test.'),
            title: z.string().min(1).describe('The test\'s own name.'),
            status: z.enum(['passed', 'failed', 'skipped', 'todo']),
            focused: z.boolean().optional().describe('True when the test (or a block around it) is focused with `.only`.'),
            durationMs: z.number().nonnegative().optional().describe('How long the test ran, in milliseconds.'),
            message: z.string().optional().describe('The failure, first lines: shown to the agent whose branch was rejected.'),
          })
          .strict(),
      )
      .describe('Every test the run knows of, including skipped and todo ones.'),
    durationMs: z.number().nonnegative().optional().describe('Wall time of the run in milliseconds; defaults to the sum of the tests.'),
  })
  .describe('gantry test results: one entry per test, written by the test command to $GANTRY_RESULTS.');

export function parseGantryJson(text: string, root: string): SuiteRun {
  const document = readJson('gantry', text, gantryResultsSchema);
  const tests = document.tests.map(({ file, path, title, ...rest }) => {
    const relative = repoRelative(root, file);
    return { id: testId(relative, path, title), file: relative, path, title, ...rest };
  });
  const durationMs = document.durationMs ?? tests.reduce((sum, test) => sum + (test.durationMs ?? 0), 0);
  return { tests, durationMs };
}
