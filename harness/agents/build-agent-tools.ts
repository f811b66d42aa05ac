import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { GantryError } from '../errors.ts';

/**
 * The agent image has Node but neither the harness source nor node_modules,
 * so the in-container tools ship as generated scripts: their modules,
 * type-stripped and concatenated in dependency order. One copy of the code
 * serves the harness and the container (gantry-test's sampling, the agent
 * API's client); a unit test fails when a committed script is stale
 * (`npm run build:agent-tools`).
 */
export interface AgentTool {
  name: string;
  /** Modules under harness/, in dependency order; the last is the entry point. */
  modules: readonly string[];
  /** Where the generated script is committed. */
  script: string;
}

const binPath = (name: string) => fileURLToPath(new URL(`../../images/agent-base/bin/${name}`, import.meta.url));

export const AGENT_TOOLS: readonly AgentTool[] = [
  {
    name: 'gantry-test',
    modules: [
      'gate/prng.ts',
      'gate/test-files.ts',
      'gate/shell-quote.ts',
      'gate/sample.ts',
      'gate/gantry-test/options.ts',
      'gate/gantry-test/inputs.ts',
      'gate/gantry-test/coverage.ts',
      'gate/gantry-test/changed-files.ts',
      'gate/gantry-test/related-files.ts',
      'gate/gantry-test/main.ts',
      'gate/gantry-test/cli.ts',
    ],
    script: binPath('gantry-test'),
  },
  {
    name: 'gantry-agent',
    modules: ['server/gantry-agent/api-client.ts', 'server/gantry-agent/commands.ts', 'server/gantry-agent/cli.ts'],
    script: binPath('gantry-agent'),
  },
  {
    name: 'gantry-mcp',
    modules: ['server/gantry-agent/api-client.ts', 'server/gantry-agent/commands.ts', 'server/gantry-agent/mcp-server.ts', 'server/gantry-agent/mcp-cli.ts'],
    script: binPath('gantry-mcp'),
  },
];

const IMPORT = /^import\s+([\s\S]*?)\s+from\s+['"]([^'"]+)['"];?[ \t]*$/gm;
const NAMED = /^\{([^}]*)\}$/;

export function renderAgentTool(tool: AgentTool): string {
  const builtins = new Map<string, Set<string>>();
  const bodies = tool.modules.map((module, index) => {
    const source = readFileSync(fileURLToPath(new URL(`../${module}`, import.meta.url)), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: module,
      compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, removeComments: false },
    });
    const body = outputText.replace(IMPORT, (_line, clause: string, specifier: string) => {
      if (specifier.startsWith('node:')) {
        const names = NAMED.exec(clause.trim())?.[1];
        if (names === undefined) throw bundleError(tool, module, `imports ${specifier} without named imports`);
        const set = builtins.get(specifier) ?? new Set<string>();
        for (const name of names.split(',').map((part) => part.trim()).filter(Boolean)) set.add(name);
        builtins.set(specifier, set);
        return '';
      }
      const target = new URL(specifier, new URL(module, 'file:///')).pathname.slice(1);
      if (!tool.modules.slice(0, index).includes(target)) throw bundleError(tool, module, `imports ${specifier}, which is not bundled before it`);
      return '';
    });
    if (/^export\s+(?:\{|\*|default)/m.test(body)) throw bundleError(tool, module, 'uses an export list or default export');
    return `// ${module}\n${body.replace(/^export\s+/gm, '').trim()}\n`;
  });
  const imports = [...builtins].map(([specifier, names]) => `import { ${[...names].join(', ')} } from '${specifier}';`);
  return [
    '#!/usr/bin/env node',
    `// Generated from harness/ by \`npm run build:agent-tools\`: edit the sources, not this file.`,
    ...imports,
    '',
    bodies.join('\n'),
  ].join('\n');
}

function bundleError(tool: AgentTool, module: string, problem: string): GantryError {
  return new GantryError('BUILD_FAILED', `harness/${module} ${problem}: ${tool.name} must bundle into one file with only node:* imports; import another bundled module or a node:* builtin`);
}
