/**
 * A generated JavaScript project for the fast-sample bench: small source
 * modules of a few functions each, one vitest file per module (some of whose
 * tests also use a second module), and the one-line mutations that could
 * break it. Expected values come from running the unmutated functions, so
 * every generated test passes on the project as written.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../harness/gate/prng.ts';

type Random = () => number;
type Constants = Record<string, number>;

interface Template {
  name: string;
  constants(int: (lo: number, hi: number) => number): Constants;
  source(k: Constants): string;
  /** Arguments to call the function with; each becomes one test. */
  inputs(int: (lo: number, hi: number) => number, k: Constants): unknown[][];
}

export interface GeneratedProject {
  root: string;
  /** `src/<module>.js`, repository-relative. */
  sources: string[];
  /** `test/<module>.test.js`, repository-relative. */
  testFiles: string[];
  tests: number;
}

/** One changed line: `line` is 1-based; `after` replaces `before` there. */
export interface Mutation {
  file: string;
  line: number;
  before: string;
  after: string;
}

const MODULES = [
  'money', 'dates', 'cart', 'inventory', 'shipping', 'tax', 'pricing', 'ledger', 'invoice', 'refunds',
  'coupons', 'loyalty', 'ratings', 'search', 'paging', 'slugs', 'emails', 'passwords', 'sessions', 'quotas',
  'metrics', 'alerts', 'schedule', 'routing', 'geometry', 'units', 'colors', 'grades', 'scores', 'versions',
];
const FUNCTIONS_PER_MODULE = 4;
/** Test files whose last tests also call a function of another module. */
const CROSS_MODULE_SHARE = 0.4;

const list = (int: (lo: number, hi: number) => number): number[] => Array.from({ length: int(3, 6) }, () => int(-5, 30));
const TEMPLATES: Template[] = [
  {
    name: 'clamp',
    constants: (int) => ({ lo: int(0, 10), hi: int(20, 40) }),
    source: (k) => `export function clamp(x) {\n  if (x < ${k.lo}) return ${k.lo};\n  if (x > ${k.hi}) return ${k.hi};\n  return x;\n}`,
    inputs: (int, k) => [[(k.lo ?? 0) - int(1, 5)], [int(k.lo ?? 0, k.hi ?? 0)], [(k.hi ?? 0) + int(1, 5)]],
  },
  {
    name: 'scale',
    constants: (int) => ({ factor: int(2, 9), offset: int(1, 20) }),
    source: (k) => `export function scale(x) {\n  const scaled = x * ${k.factor};\n  return scaled + ${k.offset};\n}`,
    inputs: (int) => [[int(1, 50)], [int(-20, -1)]],
  },
  {
    name: 'sumAbove',
    constants: (int) => ({ threshold: int(2, 12) }),
    source: (k) => `export function sumAbove(list) {\n  let total = 0;\n  for (const value of list) {\n    if (value > ${k.threshold}) total += value;\n  }\n  return total;\n}`,
    inputs: (int, k) => [[[...list(int), k.threshold, (k.threshold ?? 0) + 1]], [list(int)]],
  },
  {
    name: 'countMultiples',
    constants: (int) => ({ of: int(2, 5) }),
    source: (k) => `export function countMultiples(list) {\n  return list.filter((value) => value % ${k.of} === 0).length;\n}`,
    inputs: (int) => [[list(int)], [[...list(int), 0, 60]]],
  },
  {
    name: 'grade',
    constants: (int) => ({ high: int(70, 90), mid: int(40, 60) }),
    source: (k) => `export function grade(score) {\n  if (score >= ${k.high}) return 'high';\n  if (score >= ${k.mid}) return 'mid';\n  return 'low';\n}`,
    inputs: (int, k) => [[k.high], [int(k.mid ?? 0, (k.high ?? 0) - 1)], [(k.mid ?? 0) - 1]],
  },
  {
    name: 'padTo',
    constants: (int) => ({ width: int(5, 9) }),
    source: (k) => `export function padTo(text) {\n  if (text.length >= ${k.width}) return text;\n  return text + '.'.repeat(${k.width} - text.length);\n}`,
    inputs: (int, k) => [['ab'], ['x'.repeat((k.width ?? 0) + int(0, 2))]],
  },
  {
    name: 'mean',
    constants: () => ({}),
    source: () => `export function mean(list) {\n  if (list.length === 0) return 0;\n  const total = list.reduce((sum, value) => sum + value, 0);\n  return Math.round(total / list.length);\n}`,
    inputs: (int) => [[list(int)], [[]], [[int(1, 9), int(10, 99)]]],
  },
  {
    name: 'price',
    constants: (int) => ({ bulk: int(5, 12), rate: int(5, 25) }),
    source: (k) => `export function price(unit, quantity) {\n  const rate = quantity >= ${k.bulk} ? ${k.rate} : 0;\n  const gross = unit * quantity;\n  return Math.round(gross * (100 - rate)) / 100;\n}`,
    inputs: (int, k) => [[int(3, 40), k.bulk], [int(3, 40), (k.bulk ?? 0) - 1]],
  },
  {
    name: 'inRange',
    constants: (int) => ({ from: int(0, 10), to: int(15, 30) }),
    source: (k) => `export function inRange(x) {\n  return x > ${k.from} && x <= ${k.to};\n}`,
    inputs: (int, k) => [[k.from], [k.to], [int((k.from ?? 0) + 1, (k.to ?? 0) - 1)], [(k.to ?? 0) + 1]],
  },
  {
    name: 'largest',
    constants: () => ({}),
    source: () => `export function largest(list) {\n  let best = -1000;\n  for (const value of list) if (value > best) best = value;\n  return best;\n}`,
    inputs: (int) => [[list(int)], [[-int(1, 9), -int(10, 20)]]],
  },
  {
    name: 'initials',
    constants: (int) => ({ letters: int(1, 2) }),
    source: (k) => `export function initials(name) {\n  return name.split(' ').map((word) => word.slice(0, ${k.letters}).toUpperCase()).join('');\n}`,
    inputs: () => [['ada lovelace'], ['grace brewster hopper']],
  },
  {
    name: 'steps',
    constants: (int) => ({ start: int(0, 3), step: int(2, 4) }),
    source: (k) => `export function steps(n) {\n  let count = 0;\n  for (let i = ${k.start}; i < n; i += ${k.step}) count++;\n  return count;\n}`,
    inputs: (int) => [[int(10, 30)], [int(31, 60)]],
  },
];

/** Each one turns a line into its mutants; a plain `<` or `>` is not part of `<=`, `>=` or `=>`. */
const MUTATORS: Array<[RegExp, string]> = [
  [/<(?!=)/g, '<='], [/<=/g, '<'], [/(?<!=)>(?!=)/g, '>='], [/>=/g, '>'],
  [/===/g, '!=='], [/&&/g, '||'], [/ \+ /g, ' - '], [/ - /g, ' + '], [/ \* /g, ' / '], [/\+=/g, '-='],
  [/\b\d+\b/g, '+1'], [/'(high|mid|low|\.)'/g, 'upper'],
];

/** Writes the project under `root` (which must exist) and returns its layout. */
export async function generateProject(root: string, seed: number): Promise<GeneratedProject> {
  const random = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'test'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  // vitest's cache would otherwise land in the symlinked node_modules of the repository.
  await writeFile(join(root, 'vitest.config.js'), "export default { cacheDir: '.vitest-cache' };\n");
  await writeFile(join(root, 'test/pause.js'), 'export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));\n');

  const chosen = MODULES.map(() => shuffled(TEMPLATES, random).slice(0, FUNCTIONS_PER_MODULE).map((template) => ({ template, k: template.constants(int) })));
  for (const [index, name] of MODULES.entries()) {
    await writeFile(join(root, `src/${name}.js`), `${(chosen[index] ?? []).map(({ template, k }) => template.source(k)).join('\n\n')}\n`);
  }
  const loaded = await Promise.all(MODULES.map(async (name) => (await import(pathToFileURL(join(root, `src/${name}.js`)).href)) as Record<string, (...args: unknown[]) => unknown>));

  let tests = 0;
  for (const [index, name] of MODULES.entries()) {
    const cases: string[] = [];
    const own = loaded[index] ?? {};
    for (const { template, k } of chosen[index] ?? []) {
      for (const args of template.inputs(int, k)) cases.push(testCase(name, template.name, args, own[template.name]?.(...args), pauseMs(random)));
    }
    const imports = [`import * as ${name} from '../src/${name}.js';`];
    if (random() < CROSS_MODULE_SHARE) {
      const otherIndex = (index + int(1, MODULES.length - 1)) % MODULES.length;
      const other = MODULES[otherIndex] ?? name;
      imports.push(`import * as ${other} from '../src/${other}.js';`);
      for (const { template, k } of (chosen[otherIndex] ?? []).slice(0, 2)) {
        const args = template.inputs(int, k)[0] ?? [];
        cases.push(testCase(other, template.name, args, loaded[otherIndex]?.[template.name]?.(...args), pauseMs(random), `with ${name}`));
      }
    }
    tests += cases.length;
    const body = `describe('${name}', () => {\n${cases.join('\n')}\n});\n`;
    await writeFile(join(root, `test/${name}.test.js`), `import { describe, expect, it } from 'vitest';\nimport { pause } from './pause.js';\n${imports.join('\n')}\n\n${body}`);
  }
  return { root, sources: MODULES.map((name) => `src/${name}.js`), testFiles: MODULES.map((name) => `test/${name}.test.js`), tests };
}

/** Every one-line mutant of the sources, in a seeded order that visits the modules in turn. */
export async function mutationCandidates(project: GeneratedProject, seed: number): Promise<Mutation[]> {
  const random = mulberry32(seed);
  const perFile = await Promise.all(
    project.sources.map(async (file) => {
      const lines = (await readFile(join(project.root, file), 'utf8')).split('\n');
      return shuffled(lines.flatMap((line, index) => mutantsOf(line).map((after) => ({ file, line: index + 1, before: line, after }))), random);
    }),
  );
  const interleaved: Mutation[] = [];
  for (let round = 0; perFile.some((mutants) => round < mutants.length); round++) {
    for (const mutants of perFile) if (round < mutants.length) interleaved.push(mutants[round] as Mutation);
  }
  return interleaved;
}

/** A copy's node_modules points at the repository's, so the generated tests run with its vitest. */
export async function linkNodeModules(root: string, repository: string): Promise<void> {
  await symlink(join(repository, 'node_modules'), join(root, 'node_modules'), 'dir');
}

function mutantsOf(line: string): string[] {
  if (line.startsWith('export function') || line.trim() === '}' || line.trim() === '') return [];
  // `i -= step` never ends the loop: a hung suite is the gate's timeout, not a regression to sample for.
  const mutators = line.includes('for (let') ? MUTATORS.filter(([, replacement]) => replacement !== '-=') : MUTATORS;
  return mutators.flatMap(([pattern, replacement]) =>
    [...line.matchAll(pattern)].map((match) => {
      const text = replacement === '+1' ? String(Number(match[0]) + 1) : replacement === 'upper' ? match[0].toUpperCase().replace("'.'", "'_'") : replacement;
      return line.slice(0, match.index) + text + line.slice(match.index + match[0].length);
    }),
  );
}

function testCase(module: string, fn: string, args: unknown[], expected: unknown, ms: number, prefix = module): string {
  const call = `${module}.${fn}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`;
  const title = `${prefix}: ${call} is ${JSON.stringify(expected)}`.replaceAll("'", '"');
  return `  it('${title.replaceAll('\\', '\\\\')}', async () => {\n    await pause(${ms});\n    expect(${call}).toEqual(${JSON.stringify(expected)});\n  });`;
}

/** Most tests are quick, some are slow: the sampler spends a time budget, not a count. */
function pauseMs(random: Random): number {
  const draw = random();
  if (draw < 0.6) return 1;
  if (draw < 0.9) return 5 + Math.floor(random() * 10);
  return 30 + Math.floor(random() * 70);
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
