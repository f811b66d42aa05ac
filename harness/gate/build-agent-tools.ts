import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { GateError } from '../errors.ts';

/**
 * The agent image has Node but neither the harness source nor node_modules,
 * so `gantry-test` ships as one generated script: these modules, type-stripped
 * and concatenated in dependency order. One copy of the sampling algorithm
 * serves the harness and the container; a unit test fails when the committed
 * script is stale (`npm run build:agent-tools`).
 */
const GANTRY_TEST_MODULES = [
  'prng.ts',
  'test-files.ts',
  'shell-quote.ts',
  'sample.ts',
  'gantry-test/options.ts',
  'gantry-test/inputs.ts',
  'gantry-test/coverage.ts',
  'gantry-test/changed-files.ts',
  'gantry-test/related-files.ts',
  'gantry-test/main.ts',
  'gantry-test/cli.ts',
];

export const GANTRY_TEST_SCRIPT = fileURLToPath(new URL('../../images/agent-base/bin/gantry-test', import.meta.url));

const IMPORT = /^import\s+([\s\S]*?)\s+from\s+['"]([^'"]+)['"];?[ \t]*$/gm;
const NAMED = /^\{([^}]*)\}$/;

export function renderGantryTest(): string {
  const builtins = new Map<string, Set<string>>();
  const bodies = GANTRY_TEST_MODULES.map((module, index) => {
    const source = readFileSync(fileURLToPath(new URL(module, import.meta.url)), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: module,
      compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, removeComments: false },
    });
    const body = outputText.replace(IMPORT, (_line, clause: string, specifier: string) => {
      if (specifier.startsWith('node:')) {
        const names = NAMED.exec(clause.trim())?.[1];
        if (names === undefined) throw bundleError(module, `imports ${specifier} without named imports`);
        const set = builtins.get(specifier) ?? new Set<string>();
        for (const name of names.split(',').map((part) => part.trim()).filter(Boolean)) set.add(name);
        builtins.set(specifier, set);
        return '';
      }
      const target = new URL(specifier, new URL(module, 'file:///')).pathname.slice(1);
      if (!GANTRY_TEST_MODULES.slice(0, index).includes(target)) throw bundleError(module, `imports ${specifier}, which is not bundled before it`);
      return '';
    });
    if (/^export\s+(?:\{|\*|default)/m.test(body)) throw bundleError(module, 'uses an export list or default export');
    return `// ${module}\n${body.replace(/^export\s+/gm, '').trim()}\n`;
  });
  const imports = [...builtins].map(([specifier, names]) => `import { ${[...names].join(', ')} } from '${specifier}';`);
  return [
    '#!/usr/bin/env node',
    `// Generated from harness/gate/ by \`npm run build:agent-tools\`: edit the sources, not this file.`,
    ...imports,
    '',
    bodies.join('\n'),
  ].join('\n');
}

function bundleError(module: string, problem: string): GateError {
  return new GateError('BUILD_FAILED', `harness/gate/${module} ${problem}: gantry-test must bundle into one file with only node:* imports; import another bundled module or a node:* builtin`);
}
