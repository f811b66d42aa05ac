import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig, renderConfigReference } from '../../harness/config/index.ts';

const DOCS_FILE = path.resolve(import.meta.dirname, '../../docs/configuration.md');

describe('config reference docs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('when the schema changes, docs/configuration.md must be regenerated', async () => {
    const saved = await readFile(DOCS_FILE, 'utf8');

    expect(saved, 'docs/configuration.md is out of date: run `npm run docs:config`').toBe(renderConfigReference());
  });

  it('when the examples in the reference are used as gantry.yaml, they have no issues', async () => {
    const blocks = [...renderConfigReference().matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-docs-'));

    expect(blocks).toHaveLength(2);
    for (const [index, block] of blocks.entries()) {
      const file = path.join(dir, `example-${index}.yaml`);
      await writeFile(file, block);
      const { issues, warnings } = await checkConfig(file);
      expect({ issues, warnings }).toEqual({ issues: [], warnings: [] });
    }
  });
});
