import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/**
 * Test files that import a changed file directly. One level only: reading
 * each test file once is cheap, and a deeper graph would need the runner's
 * resolver. Extensions are ignored on both sides, since `./x.js` often names
 * `x.ts`.
 */
export function relatedTestFiles(root: string, testFiles: readonly string[], changed: readonly string[]): string[] {
  const changedModules = new Set(changed.map(withoutExtension));
  return testFiles.filter((file) => {
    const path = join(root, file);
    if (!existsSync(path)) return false;
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[1] ?? ''));
      if (changedModules.has(withoutExtension(target))) return true;
    }
    return false;
  });
}

function withoutExtension(file: string): string {
  return file.replace(/\.[cm]?[jt]sx?$/, '');
}
