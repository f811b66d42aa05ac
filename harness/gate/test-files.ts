/**
 * Which test files belong to a changed file, by name. Dependency-free: it is
 * bundled into the in-container `gantry-test` script.
 */

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

/** `x.test.ts`, `x.spec.mjs`…: a file the runner would pick up as tests. */
export function isTestFile(file: string): boolean {
  return TEST_FILE.test(file);
}

/**
 * Test files of the suite that test `changed` by naming convention:
 * `src/x.ts` → `x.test.ts`, `x.spec.ts`, `test/x.test.ts`, and the
 * `<folder>.<module>.<aspect>.test.ts` style (`harness/gate/sample.ts` →
 * `test/unit/gate.sample.test.ts`). An `index` file stands for its folder.
 * A changed test file maps to itself.
 */
export function testFilesFor(changed: string, suiteFiles: readonly string[]): string[] {
  if (suiteFiles.includes(changed)) return [changed];
  const stem = moduleStem(changed);
  if (stem === undefined) return [];
  return suiteFiles.filter((file) => testStem(file).split('.').includes(stem));
}

function moduleStem(file: string): string | undefined {
  const parts = file.split('/');
  const name = (parts.at(-1) ?? '').replace(/\.[^.]*$/, '');
  const stem = name === 'index' ? parts.at(-2) : name;
  return stem === undefined || stem === '' ? undefined : stem;
}

function testStem(file: string): string {
  return (file.split('/').at(-1) ?? '').replace(TEST_FILE, '');
}
