import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GANTRY_TEST_SCRIPT, renderGantryTest } from '../../harness/gate/build-agent-tools.ts';

describe('agent tools build', () => {
  it('when gantry-test sources change, images/agent-base/bin/gantry-test must be regenerated', async () => {
    const saved = await readFile(GANTRY_TEST_SCRIPT, 'utf8');

    expect(saved, 'images/agent-base/bin/gantry-test is out of date: run `npm run build:agent-tools`').toBe(renderGantryTest());
    await expect(access(GANTRY_TEST_SCRIPT, constants.X_OK)).resolves.toBeUndefined();
  });

  it('when bundled, the script imports nothing but node builtins', () => {
    const imports = [...renderGantryTest().matchAll(/from '([^']+)'/g)].map((match) => match[1]);

    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((specifier) => specifier?.startsWith('node:'))).toBe(true);
  });
});
