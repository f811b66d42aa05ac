import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../harness/config/index.ts';
import { isGantryError, type ConfigError } from '../../harness/errors.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/config');
const fixture = (name: string) => path.join(FIXTURES, name);
/** How the loader names a file inside the working directory: relative to it. */
const shown = (name: string) => path.relative(process.cwd(), fixture(name));

interface Expected {
  /** `file:line path`, without the file. */
  at: string;
  words: string[];
}

const badFiles: { file: string; case: string; expected: Expected[] }[] = [
  {
    file: 'missing-gate-command.yaml',
    case: 'gate.command is missing',
    expected: [{ at: ':3 gate.command', words: ['required: add gate.command, e.g. `npm test`'] }],
  },
  {
    file: 'wrong-type.yaml',
    case: 'a number is written as a word',
    expected: [{ at: ':3 concurrency', words: ['expected an integer from 1 to 256', 'got "four"', 'e.g. `4`'] }],
  },
  {
    file: 'unknown-agent-kind.yaml',
    case: 'the agent kind is unknown',
    expected: [{ at: ':4 agent.kind', words: ['expected one of command, claude-code, codex', 'got "robot"'] }],
  },
  {
    file: 'unknown-key.yaml',
    case: 'a key is misspelt',
    expected: [{ at: ':8 concurency', words: ['unknown key "concurency"', 'did you mean concurrency?', 'Allowed keys here: repo, concurrency, stateDir, agent'] }],
  },
  {
    file: 'concurrency-zero.yaml',
    case: 'concurrency is 0',
    expected: [{ at: ':8 concurrency', words: ['expected an integer ≥ 1, got 0', 'e.g. `4`'] }],
  },
  {
    file: 'bad-memory.yaml',
    case: 'the memory size has no number',
    expected: [{ at: ':9 container.memory', words: ['expected a size', 'k, m or g', 'got "lots"', 'e.g. `2g`'] }],
  },
  {
    file: 'invalid-syntax.yaml',
    case: 'the YAML is malformed',
    expected: [
      { at: ':4:', words: ['invalid YAML', 'Nested mappings are not allowed'] },
      { at: ':4:', words: ['invalid YAML', 'Implicit keys need to be on a single line'] },
    ],
  },
  {
    file: 'empty.yaml',
    case: 'the file is empty',
    expected: [{ at: ':1 (top level)', words: ['expected a mapping with keys repo', 'got an empty value', 'e.g. `{ repo: { url: ./upstream.git }'] }],
  },
  {
    file: 'several-problems.yaml',
    case: 'there are several problems',
    expected: [
      { at: ':1 repo.url', words: ['required: add repo.url', 'e.g. `./upstream.git`'] },
      { at: ':3 concurrency', words: ['expected an integer ≥ 1, got 0'] },
      { at: ':8 agent.env.PORT', words: ['expected a string, got 8080', 'quote it: "8080"'] },
      { at: ':11 gate.timeout', words: ['expected an integer > 0 (milliseconds), got -5', 'e.g. `600000`'] },
      { at: ':13 container.memory', words: ['expected a size', 'got "2 gigs"'] },
      { at: ':14 container.cpu', words: ['unknown key "cpu"', 'did you mean cpus?'] },
    ],
  },
];

describe('config file checks', () => {
  it.each(badFiles)('when $case ($file), it reports every issue as file:line path: message', async ({ file, expected }) => {
    const { config, issues } = await checkConfig(fixture(file));

    expect(config).toBeUndefined();
    expect(issues).toHaveLength(expected.length);
    expected.forEach(({ at, words }, index) => {
      const issue = issues[index] ?? '';
      expect(issue.startsWith(`${shown(file)}${at}${at.endsWith(':') ? '' : ':'} `), issue).toBe(true);
      for (const word of words) expect(issue).toContain(word);
    });
  });

  it.each(['minimal.yaml', 'full.yaml'])('when the file is valid (%s), it returns a config with no issues or warnings', async (file) => {
    const result = await checkConfig(fixture(file));

    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.config?.file).toBe(fixture(file));
  });

  it('when the file is invalid, loadConfig throws CONFIG_INVALID carrying every issue', async () => {
    const { issues } = await checkConfig(fixture('several-problems.yaml'));
    const error = await loadConfig(fixture('several-problems.yaml')).catch((thrown: unknown) => thrown);

    expect(isGantryError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).issues).toEqual(issues);
    expect((error as ConfigError).message).toBe(issues.join('\n'));
  });

  it('when the file does not exist, it throws CONFIG_NOT_FOUND saying how to fix it', async () => {
    const missing = fixture('nope.yaml');
    const error = await loadConfig(missing).catch((thrown: unknown) => thrown);

    expect(isGantryError(error) && error.code).toBe('CONFIG_NOT_FOUND');
    expect((error as Error).message).toBe(`config file ${shown('nope.yaml')} not found: create it (see docs/configuration.md) or pass --config`);
    await expect(checkConfig(missing)).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('when the file is outside the working directory, issues name it by its absolute path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-config-'));
    try {
      const file = path.join(dir, 'gantry.yaml');
      await writeFile(file, 'repo:\n  url: ./up.git\nagent: { kind: command, command: "true" }\ngate: { command: "true" }\nconcurrency: 0\n');

      const { issues } = await checkConfig(file);

      expect(issues).toEqual([`${file}:5 concurrency: expected an integer ≥ 1, got 0, e.g. \`4\``]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
