import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { repoRelative } from './files.ts';
import { malformed } from './malformed.ts';
import { failureSummary } from './message.ts';
import { testId } from './types.ts';
import type { SuiteRun, TestCase, TestStatus } from './types.ts';

type Element = Record<string, unknown>;

/** Used when neither the test case nor a suite around it names a file or class. */
export const JUNIT_UNKNOWN_FILE = '(junit)';

const xml = new XMLParser({
  ignoreAttributes: false,
  // '@_' keeps attributes apart from children: node writes both a
  // `failure` attribute and a <failure> child on a failing testcase.
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  // node writes newlines in failure messages as &#10;.
  htmlEntities: true,
  textNodeName: '#text',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
});

/**
 * JUnit XML as node (`--test-reporter=junit`: nested testsuites are describe
 * blocks, `file` on every testcase), vitest (one testsuite per file, the
 * describe path in the name joined by " > ") and most other runners write it.
 */
export function parseJunit(text: string, root: string): SuiteRun {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw malformed('junit', `invalid XML at line ${valid.err.line}: ${valid.err.msg}`);
  }
  const document = xml.parse(text) as Element;
  const top = (document.testsuites ?? document) as Element;
  const suites = elements(top, 'testsuite');
  if (suites.length === 0 && document.testsuites === undefined) {
    throw malformed('junit', 'no <testsuites> or <testsuite> element found');
  }
  // node puts a test outside any describe straight under <testsuites>.
  const tests = [
    ...elements(top, 'testcase').map((testcase) => toCase(testcase, [], undefined, root)),
    ...suites.flatMap((suite) => casesOf(suite, [], undefined, root)),
  ];
  return { tests, durationMs: seconds(top['@_time']) ?? sum(suites.map((suite) => seconds(suite['@_time']) ?? 0)) };
}

function casesOf(suite: Element, names: string[], inheritedFile: string | undefined, root: string): TestCase[] {
  const suiteName = attribute(suite, 'name') ?? '';
  const suiteFile = attribute(suite, 'file') ?? inheritedFile;
  const inside = [...names, suiteName];
  return [
    ...elements(suite, 'testcase').map((testcase) => toCase(testcase, inside, suiteFile, root)),
    ...elements(suite, 'testsuite').flatMap((child) => casesOf(child, inside, suiteFile, root)),
  ];
}

function toCase(testcase: Element, suiteNames: string[], suiteFile: string | undefined, root: string): TestCase {
  const name = attribute(testcase, 'name');
  if (name === undefined) throw malformed('junit', `a <testcase> in suite "${suiteNames.join(' > ')}" has no name`);
  const classname = attribute(testcase, 'classname');
  const rawFile = attribute(testcase, 'file') ?? suiteFile ?? classname;
  const file = rawFile === undefined ? JUNIT_UNKNOWN_FILE : repoRelative(root, rawFile);
  const path = suiteNames.filter((suiteName) => suiteName !== '' && suiteName !== rawFile && suiteName !== file);
  // vitest puts the whole describe path in the name and the file in both
  // classname and the suite name; nothing else is a describe path there.
  const nested = rawFile === classname && suiteNames.includes(classname ?? '') ? name.split(' > ') : [name];
  const title = nested.at(-1) ?? name;
  const fullPath = [...path, ...nested.slice(0, -1)];
  const { status, message } = outcome(testcase);
  const durationMs = seconds(testcase['@_time']);
  return {
    id: testId(file, fullPath, title),
    file,
    path: fullPath,
    title,
    status,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

function outcome(testcase: Element): { status: TestStatus; message?: string } {
  const problem = [...elements(testcase, 'failure'), ...elements(testcase, 'error')][0];
  if (problem !== undefined) {
    const message = failureSummary(attribute(problem, 'message') ?? text(problem));
    return message === undefined ? { status: 'failed' } : { status: 'failed', message };
  }
  const skipped = elements(testcase, 'skipped')[0];
  if (skipped !== undefined) {
    // node's junit reporter marks `.todo` as <skipped type="todo">.
    return { status: attribute(skipped, 'type') === 'todo' ? 'todo' : 'skipped' };
  }
  return { status: 'passed' };
}

function elements(parent: Element, tag: string): Element[] {
  const value = parent[tag];
  if (!Array.isArray(value)) return [];
  return value.map((item: unknown) => (typeof item === 'object' && item !== null ? (item as Element) : { '#text': item }));
}

function attribute(element: Element, name: string): string | undefined {
  const value = element[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function text(element: Element): string {
  const value = element['#text'];
  return typeof value === 'string' ? value : '';
}

function seconds(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number * 1000 : undefined;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
