import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGantryError } from '../../harness/errors.ts';
import {
  GANTRY_SCHEMA_FILE,
  NODE_TEST_UNKNOWN_FILE,
  gantrySchemaText,
  parseResults,
} from '../../harness/gate/results/index.ts';
import type { ResultFormat, SuiteRun } from '../../harness/gate/results/index.ts';

const repo = join(import.meta.dirname, '..', '..');
const fixtures = join(repo, 'test', 'fixtures', 'results');
// regenerate.sh runs every runner in this directory, so the reports name it.
const root = '/tmp/gantry-results-root';

function parseFixture(format: ResultFormat, file: string): SuiteRun {
  return parseResults(format, readFileSync(join(fixtures, file), 'utf8'), { root });
}

/** What every runner must report for test/fixtures/results/suite. */
const SUITE: Record<string, string> = {
  'suite/math.test.js > arithmetic > addition > adds two numbers': 'passed',
  'suite/math.test.js > arithmetic > addition > carries into the tens': 'failed',
  'suite/math.test.js > arithmetic > divides by zero': 'skipped',
  'suite/text/strings.test.js > strings > joins words': 'passed',
  'suite/text/strings.test.js > strings > splits on unicode whitespace': 'todo',
  'suite/text/strings.test.js > runs outside any describe': 'passed',
};
const FAILING = 'suite/math.test.js > arithmetic > addition > carries into the tens';

function statusesById(run: SuiteRun): Record<string, string> {
  return Object.fromEntries(run.tests.map((test) => [test.id, test.status]));
}

const sources: Array<{ format: ResultFormat; file: string; written: string }> = [
  { format: 'vitest', file: 'vitest/suite.json', written: 'vitest --reporter=json' },
  { format: 'jest', file: 'jest/suite.json', written: 'jest --json' },
  { format: 'junit', file: 'junit/node.xml', written: 'node --test --test-reporter=junit' },
  { format: 'tap', file: 'tap/suite.tap', written: 'hand (node-tap layout)' },
  { format: 'gantry', file: 'gantry/suite.json', written: 'hand' },
];

describe('parseResults on the fixture suite', () => {
  it.each(sources)('when $format results come from $written, it yields the same ids and statuses', ({ format, file }) => {
    const run = parseFixture(format, file);
    expect(run.tests).toHaveLength(Object.keys(SUITE).length);
    expect(statusesById(run)).toEqual(SUITE);
  });

  it.each(sources)('when $format results name files, it keeps them relative to the root with /', ({ format, file }) => {
    const run = parseFixture(format, file);
    for (const test of run.tests) {
      expect(test.file).toMatch(/^suite\/(math|text\/strings)\.test\.js$/);
      expect(test.id.startsWith(`${test.file} > ${test.path.map((name) => `${name} > `).join('')}`)).toBe(true);
      expect(test.id.endsWith(test.title)).toBe(true);
    }
  });

  it.each(sources)('when a $format test fails, it carries the assertion message without the stack', ({ format, file }) => {
    const failing = parseFixture(format, file).tests.find((test) => test.id === FAILING);
    expect(failing?.message).toContain('expected 7 + 5 to be 13');
    expect(failing?.message).toContain('12 !== 13');
    expect(failing?.message).not.toMatch(/^\s+at /m);
  });

  it.each(sources)('when $format reports durations, it keeps them in milliseconds', ({ format, file }) => {
    const run = parseFixture(format, file);
    const ran = run.tests.filter((test) => test.status === 'passed' || test.status === 'failed');
    for (const test of ran) {
      expect(test.durationMs).toBeGreaterThanOrEqual(0);
      expect(test.durationMs).toBeLessThan(1000);
    }
    expect(run.durationMs).toBeGreaterThan(0);
  });

  it('when vitest writes junit, it splits the describe path from the name and reads todo as skipped (junit has no todo)', () => {
    const run = parseFixture('junit', 'junit/vitest.xml');
    const expected = { ...SUITE, 'suite/text/strings.test.js > strings > splits on unicode whitespace': 'skipped' };
    expect(statusesById(run)).toEqual(expected);
    expect(run.tests.find((test) => test.id === FAILING)?.path).toEqual(['arithmetic', 'addition']);
  });

  it('when node prints TAP, it gets describe paths and directives, and files only where node printed a location', () => {
    const run = parseFixture('node-test', 'node-test/suite.tap');
    const withoutFiles = Object.fromEntries(
      Object.entries(SUITE).map(([id, status]) => [id.replace(/^suite\/(math|text\/strings)\.test\.js/, ''), status]),
    );
    const actual = Object.fromEntries(run.tests.map((test) => [test.id.slice(test.file.length), test.status]));
    expect(actual).toEqual(withoutFiles);
    // Node 24's TAP reporter writes `location:` for failures only: the failing
    // describe tree reveals its file, the all-passing one cannot.
    const files = new Set(run.tests.map((test) => test.file));
    expect(files).toEqual(new Set(['suite/math.test.js', NODE_TEST_UNKNOWN_FILE]));
    expect(run.tests.find((test) => test.id === FAILING)?.message).toContain('expected 7 + 5 to be 13');
  });
});

describe('parseResults on focused tests', () => {
  it('when vitest refuses .only under CI, it marks the focused test and nothing else', () => {
    const run = parseFixture('vitest', 'vitest/focus-ci.json');
    const focused = run.tests.filter((test) => test.focused === true).map((test) => test.id);
    expect(focused).toEqual(['focus/focus.test.js > focused group > runs alone']);
    expect(run.tests.find((test) => test.focused)?.status).toBe('failed');
  });

  it('when gantry JSON says focused, it keeps it', () => {
    const text = JSON.stringify({ tests: [{ file: 'a.test.ts', path: [], title: 't', status: 'passed', focused: true }] });
    expect(parseResults('gantry', text, { root }).tests[0]?.focused).toBe(true);
  });

  it('when a format cannot tell, it leaves focused unset', () => {
    for (const { format, file } of sources.filter((source) => source.format !== 'gantry')) {
      expect(parseFixture(format, file).tests.some((test) => 'focused' in test)).toBe(false);
    }
  });
});

describe('parseResults on files that failed to load', () => {
  it('when a vitest file errors before collecting tests, it reports one failed test for the file', () => {
    const text = JSON.stringify({
      startTime: 0,
      testResults: [{ name: `${root}/suite/broken.test.js`, message: 'SyntaxError: Unexpected token', assertionResults: [] }],
    });
    const [test] = parseResults('vitest', text, { root }).tests;
    expect(test).toMatchObject({ file: 'suite/broken.test.js', status: 'failed', message: 'SyntaxError: Unexpected token' });
  });
});

const malformedCases: Array<{ format: ResultFormat; text: string; names: RegExp }> = [
  { format: 'vitest', text: '{"testResults": [', names: /not JSON/ },
  { format: 'vitest', text: '{"testResults": [{"name": "a", "assertionResults": [{"title": "t"}]}]}', names: /testResults\.0\.assertionResults\.0\.ancestorTitles/ },
  { format: 'vitest', text: '{"testResults": [{"name": "a", "assertionResults": [{"ancestorTitles": [], "title": "t", "status": "weird"}]}]}', names: /"weird"/ },
  { format: 'jest', text: '[]', names: /\(document\)/ },
  { format: 'jest', text: '', names: /not JSON/ },
  { format: 'node-test', text: 'Error: Cannot find module\n', names: /no TAP test points/ },
  { format: 'node-test', text: 'TAP version 13\nok 1 - a\n1..3\n', names: /plan announces 3 tests but 1/ },
  { format: 'tap', text: 'TAP version 14\nok 1 - a\nBail out! database down\n', names: /bailed out \(database down\)/ },
  { format: 'tap', text: '', names: /no TAP test points/ },
  { format: 'junit', text: '<testsuites><testsuite name="a"><testcase name="x"></testsuite>', names: /invalid XML at line 1/ },
  { format: 'junit', text: '<results/>', names: /no <testsuites> or <testsuite>/ },
  { format: 'junit', text: '<testsuite name="a"><testcase classname="c"/></testsuite>', names: /has no name/ },
  { format: 'gantry', text: '{"tests": [{"file": "a.ts", "path": [], "title": "t", "status": "broken"}]}', names: /tests\.0\.status/ },
  { format: 'gantry', text: '{"tests": [{"file": "a.ts", "title": "t", "status": "passed"}]}', names: /tests\.0\.path/ },
  { format: 'gantry', text: '{}', names: /tests: / },
];

describe('parseResults on malformed input', () => {
  it.each(malformedCases)('when $format gets $text, it throws a GateError naming the format and the problem', ({ format, text, names }) => {
    let thrown: unknown;
    try {
      parseResults(format, text, { root });
    } catch (error) {
      thrown = error;
    }
    expect(isGantryError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'GATE_FAILED', retryable: false, data: { format } });
    expect((thrown as Error).message).toContain(`Cannot read ${format} test results`);
    expect((thrown as Error).message).toMatch(names);
  });
});

describe('gantry JSON schema', () => {
  it('when the zod schema changes, ci/formats/gantry.schema.json is regenerated (node harness/gate/results/write-schema.ts)', () => {
    expect(readFileSync(join(repo, GANTRY_SCHEMA_FILE), 'utf8')).toBe(gantrySchemaText());
  });

  it('when a gantry document names an absolute file under the root, it makes it relative', () => {
    const run = parseFixture('gantry', 'gantry/suite.json');
    expect(run.tests[1]?.file).toBe('suite/math.test.js');
    expect(run.durationMs).toBe(230);
  });
});
